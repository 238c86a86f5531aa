# Driven by ctest (see CMakeLists.txt). Every step that fails stops the test with its output.
cmake_minimum_required(VERSION 3.22)

function(run_step what)
    execute_process(COMMAND ${ARGN} RESULT_VARIABLE result OUTPUT_VARIABLE output
        ERROR_VARIABLE output)
    if(NOT result EQUAL 0)
        message(FATAL_ERROR "${what} failed (${result}):\n${output}")
    endif()
    message(STATUS "${what}: ok")
    set(step_output "${output}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE ${WORK_DIR})
set(prefix ${WORK_DIR}/prefix)
run_step("cmake --install" ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})

# What a packager relies on: the headers under include/Background, a versioned library with
# its SONAME link, the CMake package, the pkg-config file, bgtransfer.
file(GLOB_RECURSE installed RELATIVE ${prefix} ${prefix}/*)
foreach(expected
        "include/Background/downloader.h" "include/Background/uploader.h"
        "include/Background/networkresponse.h" "include/Background/background_export.h"
        "include/Background/background_version.h"
        "libBackground.so.${EXPECTED_VERSION}" "libBackground.so.0" "libBackground.so"
        "cmake/Background/BackgroundConfig.cmake" "cmake/Background/BackgroundConfigVersion.cmake"
        "cmake/Background/BackgroundTargets.cmake" "pkgconfig/background.pc" "bin/bgtransfer")
    set(found "")
    foreach(path IN LISTS installed)
        if(path MATCHES "(^|/)${expected}$")
            set(found ${path})
        endif()
    endforeach()
    if(NOT found)
        string(REPLACE ";" "\n  " listing "${installed}")
        message(FATAL_ERROR "Not installed: ${expected}\nInstalled:\n  ${listing}")
    endif()
endforeach()
foreach(path IN LISTS installed)
    if(path MATCHES "transferstore\\.h|transferengine\\.h|downloadjob\\.h")
        message(FATAL_ERROR "A private header is installed: ${path}")
    endif()
    if(path MATCHES "/Background/qmldir$")
        get_filename_component(qml_module_dir ${prefix}/${path} DIRECTORY)
        get_filename_component(qml_import_dir ${qml_module_dir} DIRECTORY)
    endif()
    if(path MATCHES "pkgconfig/background\\.pc$")
        get_filename_component(pkgconfig_dir ${prefix}/${path} DIRECTORY)
    endif()
endforeach()

# The installed tool runs from the prefix, without LD_LIBRARY_PATH.
run_step("bgtransfer --version" ${prefix}/bin/bgtransfer --version)
if(NOT step_output MATCHES "${EXPECTED_VERSION}")
    message(FATAL_ERROR "bgtransfer --version printed: ${step_output}")
endif()

# The consumer: find_package(Background 0.1) against the prefix alone.
set(consumer_build ${WORK_DIR}/consumer-build)
set(configure_args -S ${CONSUMER_SOURCE_DIR} -B ${consumer_build} -G ${GENERATOR}
    -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_COMPILER=${CXX_COMPILER}
    "-DCMAKE_CXX_FLAGS=${CXX_FLAGS}" "-DCMAKE_PREFIX_PATH=${prefix}" -DQt6_DIR=${QT_DIR}
    -DWITH_QML=${WITH_QML} -DEXPECTED_VERSION=${EXPECTED_VERSION})
run_step("configure the consumer" ${CMAKE_COMMAND} ${configure_args})
run_step("build the consumer" ${CMAKE_COMMAND} --build ${consumer_build})

set(consumer_args ${WORK_DIR}/run)
if(WITH_QML)
    if(NOT qml_import_dir)
        message(FATAL_ERROR "The QML module (qmldir) is not installed")
    endif()
    list(APPEND consumer_args ${qml_import_dir})
endif()
file(MAKE_DIRECTORY ${WORK_DIR}/run)
run_step("run the consumer" ${consumer_build}/consumer ${consumer_args})
message(STATUS "${step_output}")

# A package that does not fit is refused: a later major version is not SameMajorVersion.
string(REGEX MATCH "^[0-9]+" major "${EXPECTED_VERSION}")
math(EXPR next_major "${major} + 1")
execute_process(COMMAND ${CMAKE_COMMAND} ${configure_args} -B ${WORK_DIR}/wrong-version
    -DREQUIRED_VERSION=${next_major}.0
    RESULT_VARIABLE result OUTPUT_VARIABLE output ERROR_VARIABLE output)
if(result EQUAL 0 OR NOT output MATCHES "Background")
    message(FATAL_ERROR "find_package(Background ${next_major}.0) was not refused:\n${output}")
endif()
message(STATUS "find_package(Background ${next_major}.0) refused: ok")

# Without CMake: the pkg-config file gives what a compiler needs.
find_program(PKG_CONFIG pkg-config REQUIRED)
set(ENV{PKG_CONFIG_PATH} ${pkgconfig_dir})
run_step("pkg-config" ${PKG_CONFIG} --cflags --libs background)
string(STRIP "${step_output}" pkg_flags)
run_step("pkg-config libdir" ${PKG_CONFIG} --variable=libdir background)
string(STRIP "${step_output}" pkg_libdir)
separate_arguments(pkg_flags UNIX_COMMAND "${pkg_flags}")
separate_arguments(cxx_flags UNIX_COMMAND "${CXX_FLAGS}")
run_step("compile with pkg-config's flags" ${CXX_COMPILER} -std=c++17 -fPIC ${cxx_flags}
    ${CONSUMER_SOURCE_DIR}/pkgconfig.cpp ${pkg_flags} -Wl,-rpath,${pkg_libdir}
    -o ${WORK_DIR}/pkgconfig-consumer)
run_step("run the pkg-config consumer" ${WORK_DIR}/pkgconfig-consumer)
