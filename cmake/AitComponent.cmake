# ait_component(NAME SOURCES... DEPS...) declares one component library `ait_<NAME>`
# with the public headers under include/ait/<NAME>/ and explicit dependencies.
function(ait_component name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(ait_${name} STATIC ${ARG_SOURCES})
  target_include_directories(ait_${name} PUBLIC ${AIT_SOURCE_DIR}/include PRIVATE ${AIT_SOURCE_DIR}/src)
  target_link_libraries(ait_${name} PUBLIC ${ARG_DEPS})
endfunction()

# ait_unit_test(NAME SOURCES... DEPS... [LABELS ...]) builds a GoogleTest binary and registers its tests.
function(ait_unit_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_include_directories(${name} PRIVATE ${AIT_SOURCE_DIR}/include ${AIT_SOURCE_DIR}/src ${AIT_SOURCE_DIR}/test)
  target_compile_definitions(${name} PRIVATE
    AIT_SOURCE_DIR="${AIT_SOURCE_DIR}" AIT_SHARED_DATA_DIR="${AIT_SHARED_DATA_DIR}"
    AIT_BINARY_DIR="${CMAKE_BINARY_DIR}")
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
  if(NOT ARG_LABELS)
    set(ARG_LABELS unit)
  endif()
  gtest_discover_tests(${name} PROPERTIES LABELS "${ARG_LABELS}" DISCOVERY_TIMEOUT 60)
endfunction()
