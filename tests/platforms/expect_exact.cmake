# Runs COMMAND and passes when its stdout matches EXPECTED and its exit status is EXPECTED_STATUS.
#   cmake -DCOMMAND="prog;args" -DEXPECTED=regex -DEXPECTED_STATUS=n -P expect_exact.cmake
execute_process(COMMAND ${COMMAND} RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT out MATCHES "${EXPECTED}" OR NOT status STREQUAL "${EXPECTED_STATUS}")
  message(FATAL_ERROR "expected exit status ${EXPECTED_STATUS} and stdout matching '${EXPECTED}'\n"
                      "got exit status ${status}, stdout:\n${out}\nstderr:\n${err}")
endif()
message(STATUS "matched (exit status ${status}):\n${out}${err}")
