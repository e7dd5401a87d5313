# Builds .NET projects with the SDK as part of the CMake build. `dotnet build` is incremental
# itself; the stamp only decides when to ask it.
find_program(DOTNET_EXECUTABLE dotnet REQUIRED)

# mfaphone_add_dotnet(<target> <project> <output dir> [DEPENDS targets...] [PROPERTIES k=v...])
function(mfaphone_add_dotnet target project outdir)
    cmake_parse_arguments(ARG "" "" "DEPENDS;PROPERTIES" ${ARGN})
    get_filename_component(projdir ${PROJECT_SOURCE_DIR}/${project} DIRECTORY)
    file(GLOB_RECURSE sources CONFIGURE_DEPENDS
        ${projdir}/*.cs ${projdir}/*.csproj ${projdir}/*.json ${projdir}/*.ps1xml ${projdir}/*.psd1 ${projdir}/*.xml)
    list(FILTER sources EXCLUDE REGEX "/(bin|obj)/")
    set(props "")
    foreach(p IN LISTS ARG_PROPERTIES)
        list(APPEND props "-p:${p}")
    endforeach()
    set(stamp ${CMAKE_CURRENT_BINARY_DIR}/${target}.stamp)
    set(depfiles "")
    foreach(d IN LISTS ARG_DEPENDS)
        list(APPEND depfiles $<TARGET_FILE:${d}>)
    endforeach()
    add_custom_command(OUTPUT ${stamp}
        COMMAND ${DOTNET_EXECUTABLE} build ${PROJECT_SOURCE_DIR}/${project}
                -c ${MFAPHONE_DOTNET_CONFIGURATION} -o ${outdir} --nologo -v:q "-clp:ErrorsOnly;NoSummary" ${props}
        COMMAND ${CMAKE_COMMAND} -E touch ${stamp}
        DEPENDS ${sources} ${ARG_DEPENDS} ${depfiles}
        WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
        COMMENT "dotnet build ${project}"
        VERBATIM)
    add_custom_target(${target} ALL DEPENDS ${stamp})
    foreach(d IN LISTS ARG_DEPENDS)
        add_dependencies(${target} ${d})
    endforeach()
endfunction()

# mfaphone_add_dotnet_test(<name> <test project> [ENVIRONMENT k=v...])
# Builds the test project with the rest and registers `dotnet test --no-build` with CTest.
function(mfaphone_add_dotnet_test name project)
    cmake_parse_arguments(ARG "" "" "DEPENDS;ENVIRONMENT" ${ARGN})
    get_filename_component(projdir ${PROJECT_SOURCE_DIR}/${project} DIRECTORY)
    file(GLOB_RECURSE sources CONFIGURE_DEPENDS ${projdir}/*.cs ${projdir}/*.csproj ${PROJECT_SOURCE_DIR}/tests/common/*.cs)
    list(FILTER sources EXCLUDE REGEX "/(bin|obj)/")
    set(stamp ${CMAKE_CURRENT_BINARY_DIR}/${name}.stamp)
    add_custom_command(OUTPUT ${stamp}
        COMMAND ${DOTNET_EXECUTABLE} build ${PROJECT_SOURCE_DIR}/${project}
                -c ${MFAPHONE_DOTNET_CONFIGURATION} --nologo -v:q "-clp:ErrorsOnly;NoSummary"
        COMMAND ${CMAKE_COMMAND} -E touch ${stamp}
        DEPENDS ${sources}
        WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
        COMMENT "dotnet build ${project}"
        VERBATIM)
    add_custom_target(${name}_build ALL DEPENDS ${stamp})
    foreach(d IN LISTS ARG_DEPENDS)
        add_dependencies(${name}_build ${d})
    endforeach()
    add_test(NAME ${name}
        COMMAND ${DOTNET_EXECUTABLE} test ${PROJECT_SOURCE_DIR}/${project}
                -c ${MFAPHONE_DOTNET_CONFIGURATION} --no-build --nologo
                --logger "console;verbosity=normal"
        WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
    set_tests_properties(${name} PROPERTIES ENVIRONMENT "${ARG_ENVIRONMENT}" TIMEOUT 900)
endfunction()
