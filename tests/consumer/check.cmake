# Builds tests/consumer against spool both ways a user would, and runs it.
# -DSPOOL_SOURCE_DIR= -DSPOOL_BUILD_DIR= (a configured wasm build of spool) -DWORK_DIR= -DNODE=
# -DTOOLCHAIN= -DMODE=subdirectory|package -DSPOOL_CONTEXT=jspi|asyncify
cmake_minimum_required(VERSION 3.21)

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
  set(last_output "${out}" PARENT_SCOPE)
endfunction()

set(app "${WORK_DIR}/${MODE}")
file(REMOVE_RECURSE "${app}")
file(MAKE_DIRECTORY "${app}")
set(args -S "${SPOOL_SOURCE_DIR}/tests/consumer" -B "${app}/build"
         -DCMAKE_TOOLCHAIN_FILE=${TOOLCHAIN} -DCMAKE_BUILD_TYPE=Release
         -DCMAKE_CROSSCOMPILING_EMULATOR=${NODE} -DSPOOL_CONSUMER_MODE=${MODE})
if(MODE STREQUAL "package")
  run(${CMAKE_COMMAND} --install "${SPOOL_BUILD_DIR}" --prefix "${app}/prefix")
  list(APPEND args "-Dspool_DIR=${app}/prefix/lib/cmake/spool")
else()
  # The same context backend as the spool build under test (jspi or asyncify).
  list(APPEND args "-DSPOOL_SOURCE_DIR=${SPOOL_SOURCE_DIR}" "-DSPOOL_CONTEXT=${SPOOL_CONTEXT}")
endif()
run(${CMAKE_COMMAND} ${args})
run(${CMAKE_COMMAND} --build "${app}/build")
run(${NODE} "${app}/build/prog.js")
message(STATUS "${last_output}")
if(NOT last_output MATCHES "consumer: 6 turns on spool")
  message(FATAL_ERROR "unexpected output: ${last_output}")
endif()
