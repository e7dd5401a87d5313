// Force-included into the native tests when they are built for Windows (tests/CMakeLists.txt):
// the POSIX environment calls the tests use, over the C runtime's equivalents.
#pragma once
#ifdef _WIN32
#include <cstdlib>

inline int setenv(const char* name, const char* value, int overwrite) {
    if (!overwrite && std::getenv(name)) return 0;
    return _putenv_s(name, value);
}
inline int unsetenv(const char* name) { return _putenv_s(name, ""); }
#endif
