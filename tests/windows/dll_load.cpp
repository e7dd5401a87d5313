// Loads the staged win-x64 mfaphone_native.dll the way .NET's DllImport does (LoadLibraryW, then
// entry points by name) and calls the phone normaliser through its SWIG entry points: the DLL's
// imports resolve on Windows, its static initialisers run, and libphonenumber's metadata inside it
// works. Run under Wine by CTest (dll-win-x64); exits 0 and prints "dll-load: passed" on success.
#ifndef NOMINMAX
#define NOMINMAX
#endif
#include <windows.h>

#include <cstdio>
#include <cstring>
#include <string>

namespace {

using Normalize = void*(__stdcall*)(const char*, const char*);
using GetString = char*(__stdcall*)(void*);
using GetBool = unsigned int(__stdcall*)(void*);
using Delete = void(__stdcall*)(void*);
using FreeString = void(__stdcall*)(char*);

int fail(const std::string& what) {
    std::fprintf(stderr, "dll-load: %s\n", what.c_str());
    return 1;
}

template <class F>
F entry(HMODULE dll, const char* name) {
    return reinterpret_cast<F>(reinterpret_cast<void*>(GetProcAddress(dll, name)));
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) return fail("usage: dll_load <path to mfaphone_native.dll>");
    int size = MultiByteToWideChar(CP_UTF8, 0, argv[1], -1, nullptr, 0);
    std::wstring path(static_cast<std::size_t>(size), L'\0');
    MultiByteToWideChar(CP_UTF8, 0, argv[1], -1, path.data(), size);
    HMODULE dll = LoadLibraryW(path.c_str());
    if (!dll) return fail("LoadLibraryW failed with error " + std::to_string(GetLastError()));

    auto normalize = entry<Normalize>(dll, "CSharp_MfaPhonefNative_NormalizePhoneNumber__SWIG_1___");
    auto number = entry<GetString>(dll, "CSharp_MfaPhonefNative_PhoneNumberInfo_PhoneNumber_get___");
    auto region = entry<GetString>(dll, "CSharp_MfaPhonefNative_PhoneNumberInfo_Region_get___");
    auto valid = entry<GetBool>(dll, "CSharp_MfaPhonefNative_PhoneNumberInfo_IsValid_get___");
    auto destroy = entry<Delete>(dll, "CSharp_MfaPhonefNative_delete_PhoneNumberInfo___");
    auto freeString = entry<FreeString>(dll, "MfaPhone_FreeString");
    if (!normalize || !number || !region || !valid || !destroy || !freeString)
        return fail("an entry point the module uses is not exported");

    struct Case {
        const char* input;
        const char* defaultRegion;
        const char* expected;
        const char* expectedRegion;
    };
    const Case cases[] = {
        {"070-123 45 67", "SE", "+46 701234567", "SE"},
        {"+1 (425) 555-0123", "", "+1 4255550123", "US"},
        {"07400 123456", "GB", "+44 7400123456", "GB"},
    };
    for (const Case& c : cases) {
        void* info = normalize(c.input, c.defaultRegion);
        if (!info) return fail(std::string("no result for ") + c.input);
        char* got = number(info);
        char* gotRegion = region(info);
        bool ok = valid(info) && got && std::strcmp(got, c.expected) == 0 && gotRegion &&
                  std::strcmp(gotRegion, c.expectedRegion) == 0;
        std::printf("dll-load: %s (%s) -> %s (%s)\n", c.input, c.defaultRegion, got ? got : "(null)",
                    gotRegion ? gotRegion : "(null)");
        freeString(got);
        freeString(gotRegion);
        destroy(info);
        if (!ok) return fail(std::string("expected ") + c.expected + " (" + c.expectedRegion + ")");
    }
    if (!FreeLibrary(dll)) return fail("FreeLibrary failed");
    std::puts("dll-load: passed");
    return 0;
}
