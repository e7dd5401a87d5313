/* One exception mapping for every wrapped call. Native exceptions never unwind through the
 * generated extern "C" functions: each is caught here, most-derived first, and handed to a
 * callback registered by the C# side, which sets the matching managed exception as pending;
 * the proxy throws it when the call returns. Messages are UTF-8 and never hold secrets.
 *
 * Covered: every function, constructor, destructor and (through %allowexception) every member
 * variable getter and setter; and the copies the wrapper itself makes outside the wrapped call
 * (values returned to C#, strings coming in from C#), through the typemaps at the end. */
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

%{
#include <new>

/* Sets the pending managed exception for the exception being handled. Call only from a catch
 * block. The one mapping from native exception types to managed ones: most-derived first. */
static void MfaPhone_SetPendingFromCurrent() {
    try {
        throw;
    } catch (const mfaphone::AuthError& e) {
        MfaPhone_SetPending(static_cast<int>(e.kind()), e.what(), e.httpStatus(), e.error().c_str(),
                            e.correlationId().c_str());
    } catch (const mfaphone::RequestFailedError& e) {
        MfaPhone_SetPending(static_cast<int>(e.kind()), e.what(), e.status(), e.code().c_str(),
                            e.requestId().c_str());
    } catch (const mfaphone::Error& e) {
        MfaPhone_SetPending(static_cast<int>(e.kind()), e.what(), 0, "", "");
    } catch (const std::bad_alloc&) {
        MfaPhone_SetPending(0, "The MfaPhone engine ran out of memory.", 0, "", "");
    } catch (const std::exception& e) {
        MfaPhone_SetPending(0, e.what(), 0, "", "");
    } catch (...) {
        MfaPhone_SetPending(0, "Unknown native error.", 0, "", "");
    }
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

// Member variable getters and setters copy strings and vectors too: wrap them as well.
%allowexception;

%exception {
    try {
        $action
    } catch (...) {
        MfaPhone_SetPendingFromCurrent();
        return $null;
    }
}

/* Copies the wrapper makes after the wrapped call returns (SWIG's out typemaps allocate the
 * object handed to C#) are guarded the same way. */

// Classes and structs returned by value.
%typemap(out) SWIGTYPE %{
  try {
    $result = new $1_ltype($1);
  } catch (...) {
    MfaPhone_SetPendingFromCurrent();
    return $null;
  }
%}

// std::shared_ptr<T> returned by value, and the raw T* of a constructor put in a shared_ptr.
// Use after %shared_ptr(TYPE), which these override.
%define %mfaphone_guarded_shared_ptr(TYPE)
%typemap(out) std::shared_ptr< TYPE > %{
  try {
    $result = $1 ? new $1_ltype($1) : 0;
  } catch (...) {
    MfaPhone_SetPendingFromCurrent();
    return $null;
  }
%}
%typemap(out, fragment="SWIG_null_deleter") TYPE * %{
  try {
    $result = $1 ? new std::shared_ptr< TYPE >($1 SWIG_NO_NULL_DELETER_$owner) : 0;
  } catch (...) {
    if ($owner) delete $1;
    MfaPhone_SetPendingFromCurrent();
    return $null;
  }
%}
%enddef
