# Runs COMMAND and passes when its stdout matches EXPECTED, its exit status is EXPECTED_STATUS, and
# (if given) its stderr matches EXPECTED_STDERR.
#   cmake -DCOMMAND="prog;args" -DEXPECTED=regex -DEXPECTED_STATUS=n [-DEXPECTED_STDERR=regex]
#         -P expect_exact.cmake
execute_process(COMMAND ${COMMAND} RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
string(REPLACE "\n" " " flat_err "${err}")
if(NOT out MATCHES "${EXPECTED}" OR NOT status STREQUAL "${EXPECTED_STATUS}" OR
   (DEFINED EXPECTED_STDERR AND NOT flat_err MATCHES "${EXPECTED_STDERR}"))
  message(FATAL_ERROR "expected exit status ${EXPECTED_STATUS}, stdout matching '${EXPECTED}'"
                      " and stderr matching '${EXPECTED_STDERR}'\n"
                      "got exit status ${status}, stdout:\n${out}\nstderr:\n${err}")
endif()
message(STATUS "matched (exit status ${status}):\n${out}${err}")
