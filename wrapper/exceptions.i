/* One exception mapping for every wrapped call. Native exceptions never unwind through the
 * generated extern "C" functions: each is caught here, most-derived first, and handed to a
 * callback registered by the C# side, which sets the matching managed exception as pending;
 * the proxy throws it when the call returns. Messages are UTF-8 and never hold secrets. */
%insert(runtime) %{
typedef void (SWIGSTDCALL* MfaPhoneExceptionCallback)(int kind, const char* message, int status,
                                                      const char* code, const char* requestId);
static MfaPhoneExceptionCallback MfaPhone_ExceptionCallback = 0;

#ifdef __cplusplus
extern "C"
#endif
SWIGEXPORT void SWIGSTDCALL MfaPhone_RegisterExceptionCallback(MfaPhoneExceptionCallback callback) {
    MfaPhone_ExceptionCallback = callback;
}

static void MfaPhone_SetPending(int kind, const char* message, int status, const char* code,
                                const char* requestId) {
    if (MfaPhone_ExceptionCallback)
        MfaPhone_ExceptionCallback(kind, message, status, code, requestId);
    else
        SWIG_CSharpSetPendingException(SWIG_CSharpApplicationException, message);
}
%}

%pragma(csharp) imclasscode=%{
  internal delegate void MfaPhoneExceptionDelegate(int kind, global::System.IntPtr message, int status,
                                                   global::System.IntPtr code, global::System.IntPtr requestId);

  [global::System.Runtime.InteropServices.DllImport("mfaphone_native", EntryPoint="MfaPhone_RegisterExceptionCallback")]
  private static extern void MfaPhone_RegisterExceptionCallback(MfaPhoneExceptionDelegate callback);

  private static void MfaPhone_OnException(int kind, global::System.IntPtr message, int status,
                                           global::System.IntPtr code, global::System.IntPtr requestId) {
    SWIGPendingException.Set(global::MfaPhone.Native.NativeErrors.Create(
        kind, Utf8Peek(message), status, Utf8Peek(code), Utf8Peek(requestId)));
  }

  private static readonly MfaPhoneExceptionDelegate mfaphoneExceptionDelegate = MfaPhone_OnException;
  private static readonly bool mfaphoneExceptionRegistered = RegisterMfaPhoneExceptions();
  private static bool RegisterMfaPhoneExceptions() {
    MfaPhone_RegisterExceptionCallback(mfaphoneExceptionDelegate);
    return true;
  }
%}

%exception {
    try {
        $action
    } catch (const mfaphone::AuthError& e) {
        MfaPhone_SetPending(static_cast<int>(e.kind()), e.what(), e.httpStatus(), e.error().c_str(),
                            e.correlationId().c_str());
        return $null;
    } catch (const mfaphone::RequestFailedError& e) {
        MfaPhone_SetPending(static_cast<int>(e.kind()), e.what(), e.status(), e.code().c_str(),
                            e.requestId().c_str());
        return $null;
    } catch (const mfaphone::Error& e) {
        MfaPhone_SetPending(static_cast<int>(e.kind()), e.what(), 0, "", "");
        return $null;
    } catch (const std::exception& e) {
        MfaPhone_SetPending(0, e.what(), 0, "", "");
        return $null;
    } catch (...) {
        MfaPhone_SetPending(0, "Unknown native error.", 0, "", "");
        return $null;
    }
}
