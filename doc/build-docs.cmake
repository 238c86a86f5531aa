# Runs qdoc and renders the Markdown guides next to its output; fails on any qdoc warning.
#   cmake -DQDOC=… -DQDOC_CONF=… -DOUTPUT_DIR=… -DPYTHON=… -DGUIDES_DIR=… -P build-docs.cmake
file(REMOVE_RECURSE ${OUTPUT_DIR})
# Qt's global configuration reads these from the environment.
get_filename_component(qt_install_docs ${QDOC_GLOBAL_DIR} DIRECTORY)
set(ENV{QT_VER} ${QT_VERSION})
set(ENV{QT_VERSION} ${QT_VERSION})
set(ENV{QT_VERSION_TAG} ${QT_VERSION})
set(ENV{QT_INSTALL_DOCS} ${qt_install_docs})
execute_process(COMMAND ${QDOC} ${QDOC_CONF} --outputdir ${OUTPUT_DIR}
    RESULT_VARIABLE qdoc_result
    OUTPUT_VARIABLE qdoc_output
    ERROR_VARIABLE qdoc_output)
string(REGEX MATCHALL "[^\n]*(warning|error)[^\n]*" problems "${qdoc_output}")
if(NOT qdoc_result EQUAL 0 OR problems)
    message("${qdoc_output}")
    list(LENGTH problems count)
    message(FATAL_ERROR "qdoc: exit ${qdoc_result}, ${count} warning(s) or error(s)")
endif()

# qdoc says nothing of an undocumented member: compare the public API with its index.
# The arguments come '|'-separated: a CMake list does not survive the custom command's shell.
string(REPLACE "|" ";" check_args "${CHECK_ARGS}")
execute_process(COMMAND ${PYTHON} ${CHECK_SCRIPT} ${check_args} RESULT_VARIABLE check_result)
if(NOT check_result EQUAL 0)
    message(FATAL_ERROR "The reference is incomplete (above)")
endif()

# The Markdown guides, rendered beside the reference so that its pages can link to them.
execute_process(COMMAND ${PYTHON} ${RENDER_SCRIPT} ${GUIDES_DIR} ${OUTPUT_DIR}
    RESULT_VARIABLE render_result)
if(NOT render_result EQUAL 0)
    message(FATAL_ERROR "Rendering the guides failed")
endif()
message(STATUS "Reference and guides: ${OUTPUT_DIR}/index.html")
