# ctest smoke test of the comparison: runs fiber_compare built on spool and on Asyncify with a
# tiny iteration count and fails unless both finish and print the same CHECKSUM line.
#   cmake -DNODE=<node with JSPI> -DSPOOL_PROGRAM=<.js> -DASYNCIFY_PROGRAM=<.js> -P check_checksums.cmake
set(smoke_arguments 20 40 1)  # round trips, fibers, repeats: enough to touch every code path
foreach(impl SPOOL ASYNCIFY)
  execute_process(COMMAND ${NODE} ${${impl}_PROGRAM} ${smoke_arguments}
                  OUTPUT_VARIABLE output ERROR_VARIABLE errors RESULT_VARIABLE status)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "${impl} build failed (${status}):\n${output}\n${errors}")
  endif()
  string(REGEX MATCH "CHECKSUM [0-9a-f]+" ${impl}_checksum "${output}")
  if(NOT ${impl}_checksum)
    message(FATAL_ERROR "${impl} build printed no CHECKSUM line:\n${output}\n${errors}")
  endif()
  message(STATUS "${impl}: ${${impl}_checksum}")
endforeach()
if(NOT SPOOL_checksum STREQUAL ASYNCIFY_checksum)
  message(FATAL_ERROR "the builds disagree: spool ${SPOOL_checksum}, Asyncify ${ASYNCIFY_checksum}")
endif()
