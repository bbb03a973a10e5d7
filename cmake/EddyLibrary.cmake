# eddy_cc_library(NAME <module> SRCS <files...> DEPS <targets...>)
#
# One static library per module under src/eddy/<module>/, named eddy_<module>. DEPS lists the
# modules (and third-party targets) it may use; shared/DESIGN.md's module table is the authority.
# The include-direction check (tests/tools/check_module_deps.py, a ctest) fails the build's tests
# when a module includes a header of a module it does not list here.
function(eddy_cc_library)
  cmake_parse_arguments(ARG "" "NAME" "SRCS;DEPS" ${ARGN})
  add_library(eddy_${ARG_NAME} STATIC ${ARG_SRCS})
  target_include_directories(eddy_${ARG_NAME} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(eddy_${ARG_NAME} PUBLIC ${ARG_DEPS})
  set_property(GLOBAL APPEND PROPERTY EDDY_MODULES ${ARG_NAME})
  set_property(GLOBAL PROPERTY EDDY_MODULE_DEPS_${ARG_NAME} "${ARG_DEPS}")
endfunction()

# eddy_cc_test(NAME <name> SRCS <files...> DEPS <targets...> LABEL <unit|integration|compat|crash>)
function(eddy_cc_test)
  cmake_parse_arguments(ARG "" "NAME;LABEL" "SRCS;DEPS" ${ARGN})
  add_executable(${ARG_NAME} ${ARG_SRCS})
  target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main)
  target_include_directories(${ARG_NAME} PRIVATE ${PROJECT_SOURCE_DIR}/tests)  # support/...
  gtest_discover_tests(${ARG_NAME}
    PROPERTIES LABELS ${ARG_LABEL}
    DISCOVERY_TIMEOUT 60)
endfunction()
