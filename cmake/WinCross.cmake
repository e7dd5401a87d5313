# Settings of the win-x64 cross build (build/win-x64, made by cmake/WinX64.cmake): static
# dependencies from MFAPHONE_WIN_DEPS (tools/windows/deps.sh), header-only libraries copied from
# the build machine, and a native library with no runtime DLLs beyond Windows' own.
set(MFAPHONE_WIN_DEPS "" CACHE PATH "Prefix of the win-x64 dependencies (tools/windows/deps.sh)")
list(PREPEND CMAKE_PREFIX_PATH ${MFAPHONE_WIN_DEPS})
set(ZLIB_USE_STATIC_LIBS ON)  # libz.a from libz-mingw-w64-dev, not zlib1.dll
set(CURL_NO_CURL_CMAKE OFF)

# Header-only libraries (nlohmann/json, Catch2 v2): the build machine's copies, moved out of
# /usr/include so no Linux header reaches the cross compiler. cpp-httplib: the header-only
# upstream form from the dependency prefix (Debian's -dev package is a split library).
set(host_headers ${CMAKE_BINARY_DIR}/host-headers)
file(REMOVE_RECURSE ${host_headers})
file(COPY /usr/include/nlohmann /usr/include/catch2 DESTINATION ${host_headers})
foreach(t nlohmann_json::nlohmann_json Catch2::Catch2)
    add_library(${t} INTERFACE IMPORTED GLOBAL)
    set_target_properties(${t} PROPERTIES INTERFACE_INCLUDE_DIRECTORIES ${host_headers})
endforeach()
add_library(PkgConfig::HTTPLIB INTERFACE IMPORTED GLOBAL)
set_target_properties(PkgConfig::HTTPLIB PROPERTIES INTERFACE_INCLUDE_DIRECTORIES ${MFAPHONE_WIN_DEPS}/include)
# cpp-httplib on Windows (plain HTTP in the tests): Winsock.
set_property(TARGET PkgConfig::HTTPLIB APPEND PROPERTY INTERFACE_LINK_LIBRARIES ws2_32 crypt32)

# libphonenumber's stack, all static; std::mutex locks as the library was built with.
file(GLOB absl_libs ${MFAPHONE_WIN_DEPS}/lib/libabsl_*.a)
add_library(mfaphone_win_phonenumber_stack INTERFACE)
target_compile_definitions(mfaphone_win_phonenumber_stack INTERFACE I18N_PHONENUMBERS_USE_STDMUTEX U_STATIC_IMPLEMENTATION)
target_link_libraries(mfaphone_win_phonenumber_stack INTERFACE
    ${MFAPHONE_WIN_DEPS}/lib/libre2.a ${MFAPHONE_WIN_DEPS}/lib/libprotobuf-lite.a
    ${MFAPHONE_WIN_DEPS}/lib/libicuuc.a -Wl,--start-group ${absl_libs} -Wl,--end-group)

# No GCC, libstdc++ or winpthread DLLs next to ours: link their static archives.
add_link_options(-static -static-libgcc -static-libstdc++)

# windows.h without its min/max macros and rarely used parts; gmtime_r from mingw-w64's time.h.
add_compile_definitions(NOMINMAX WIN32_LEAN_AND_MEAN _POSIX_THREAD_SAFE_FUNCTIONS=200112L)
