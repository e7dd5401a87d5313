/* std::string crosses the boundary as UTF-8 on every OS. SWIG's default C# marshaling uses
 * the ANSI code page on Windows, which would mangle names such as "Zoë Ångström".
 *   C# -> C++: the proxy encodes to a NUL-terminated UTF-8 byte[] (pinned by the marshaler).
 *   C++ -> C#: the wrapper returns a malloc'd UTF-8 copy; the proxy decodes and frees it.
 * A string holding a NUL character is refused before it crosses (C++ would silently cut it
 * there, so "user\0@evil" would address another user): MfaPhoneInvalidInputException.
 * The native copies are made inside try blocks; exceptions.i (included after this file)
 * defines MfaPhone_SetPendingFromCurrent.
 */
%{
#include <cstdlib>
#include <cstring>
#include <string>

static char* MfaPhone_DupString(const std::string& s) {
    char* copy = static_cast<char*>(std::malloc(s.size() + 1));
    if (copy) {
        std::memcpy(copy, s.data(), s.size());
        copy[s.size()] = '\0';
    }
    return copy;
}

#ifdef __cplusplus
extern "C"
#endif
SWIGEXPORT void SWIGSTDCALL MfaPhone_FreeString(char* s) { std::free(s); }
%}

%pragma(csharp) imclasscode=%{
  [global::System.Runtime.InteropServices.DllImport("mfaphone_native", EntryPoint="MfaPhone_FreeString")]
  internal static extern void MfaPhone_FreeString(global::System.IntPtr s);

  internal static byte[] Utf8In(string s) {
    if (s == null) return null;
    if (s.IndexOf('\0') >= 0)
      throw new global::MfaPhone.Native.MfaPhoneInvalidInputException(
        "A value contains a NUL character (\\0), which MfaPhone does not accept. Remove it and try again.");
    int count = global::System.Text.Encoding.UTF8.GetByteCount(s);
    byte[] bytes = new byte[count + 1];
    global::System.Text.Encoding.UTF8.GetBytes(s, 0, s.Length, bytes, 0);
    return bytes;
  }

  // Decodes a NUL-terminated UTF-8 string owned by native code.
  internal static string Utf8Peek(global::System.IntPtr p) {
    if (p == global::System.IntPtr.Zero) return null;
    int length = 0;
    while (global::System.Runtime.InteropServices.Marshal.ReadByte(p, length) != 0) length++;
    byte[] bytes = new byte[length];
    global::System.Runtime.InteropServices.Marshal.Copy(p, bytes, 0, length);
    return global::System.Text.Encoding.UTF8.GetString(bytes);
  }

  // Decodes a UTF-8 string the wrapper allocated for us, then frees it.
  internal static string Utf8Take(global::System.IntPtr p) {
    if (p == global::System.IntPtr.Zero) return null;
    try { return Utf8Peek(p); } finally { MfaPhone_FreeString(p); }
  }
%}

namespace std {
%naturalvar string;
class string;

%typemap(ctype) string, const string & "char *"
%typemap(imtype) string, const string & "byte[]"
%typemap(imtype, out="global::System.IntPtr") string, const string & "byte[]"
%typemap(cstype) string, const string & "string"
%typemap(csin) string, const string & "$imclassname.Utf8In($csinput)"

%typemap(in, canthrow=1) string
%{ if (!$input) {
    SWIG_CSharpSetPendingExceptionArgument(SWIG_CSharpArgumentNullException, "null string", 0);
    return $null;
   }
   try {
     $1.assign($input);
   } catch (...) {
     MfaPhone_SetPendingFromCurrent();
     return $null;
   } %}
%typemap(in, canthrow=1) const string &
%{ if (!$input) {
    SWIG_CSharpSetPendingExceptionArgument(SWIG_CSharpArgumentNullException, "null string", 0);
    return $null;
   }
   $*1_ltype $1_str;
   try {
     $1_str.assign($input);
   } catch (...) {
     MfaPhone_SetPendingFromCurrent();
     return $null;
   }
   $1 = &$1_str; %}

// malloc does not throw; a NULL copy means memory ran out.
%typemap(out, canthrow=1) string
%{ $result = MfaPhone_DupString($1);
   if (!$result) {
     MfaPhone_SetPending(0, "The MfaPhone engine ran out of memory.", 0, "", "");
     return $null;
   } %}
%typemap(out, canthrow=1) const string &
%{ $result = MfaPhone_DupString(*$1);
   if (!$result) {
     MfaPhone_SetPending(0, "The MfaPhone engine ran out of memory.", 0, "", "");
     return $null;
   } %}

%typemap(csout, excode=SWIGEXCODE) string, const string & {
    global::System.IntPtr p = $imcall;$excode
    return $imclassname.Utf8Take(p);
  }
%typemap(csvarin, excode=SWIGEXCODE2) string, const string & %{
    set {
      $imcall;$excode
    } %}
%typemap(csvarout, excode=SWIGEXCODE2) string, const string & %{
    get {
      global::System.IntPtr p = $imcall;$excode
      return $imclassname.Utf8Take(p);
    } %}

%typemap(typecheck) string, const string & = char *;
}
