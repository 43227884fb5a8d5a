# Runs a program and passes when its output (stdout, then stderr) matches EXPECTED, whatever its exit
# status: some programs here are meant to stop the process (an abort after a detected overflow).
#   cmake -DCOMMAND="prog;args" -DEXPECTED=regex -P expect_output.cmake
execute_process(COMMAND ${COMMAND} RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
set(all "${out}${err}")
string(REPLACE "\n" " " flat "${all}")
if(NOT flat MATCHES "${EXPECTED}")
  message(FATAL_ERROR "output does not match '${EXPECTED}' (exit status: ${status}):\n${all}")
endif()
message(STATUS "matched (exit status ${status}):\n${all}")
