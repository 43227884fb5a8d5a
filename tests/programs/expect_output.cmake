# Runs a program and passes only when all of these hold:
#  - its output (stdout, then stderr) matches EXPECTED;
#  - it ended the way EXIT says: a number (the exit status), SIGABRT or SIGSEGV (killed by that
#    signal), or `nonzero` (any status but 0, or any signal);
#  - it printed no sanitizer report (AddressSanitizer, LeakSanitizer, ThreadSanitizer, UBSan),
#    except reports that match ALLOW_SANITIZER (a regex; a program whose whole point is the
#    report, e.g. a guard-page overflow under AddressSanitizer).
#   cmake -DCOMMAND="prog;args" -DEXPECTED=regex -DEXIT=status [-DALLOW_SANITIZER=regex]
#         -P expect_output.cmake
if(NOT DEFINED EXIT OR EXIT STREQUAL "")
  message(FATAL_ERROR "expect_output.cmake: EXIT (the expected exit status) is required")
endif()
execute_process(COMMAND ${COMMAND} RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
set(all "${out}${err}")
string(REPLACE "\n" " " flat "${all}")

# CMake gives a number for an exit status and a phrase for a signal.
if(status MATCHES "^[0-9]+$")
  set(ended "${status}")
elseif(status STREQUAL "Subprocess aborted")
  set(ended SIGABRT)
elseif(status STREQUAL "Segmentation fault")
  set(ended SIGSEGV)
else()
  set(ended "signal or error: ${status}")
endif()

set(problems "")
if(NOT flat MATCHES "${EXPECTED}")
  string(APPEND problems "  the output does not match '${EXPECTED}'\n")
endif()
if(EXIT STREQUAL "nonzero")
  if(ended STREQUAL "0")
    string(APPEND problems "  it exited with status 0; expected a nonzero status or a signal\n")
  endif()
elseif(NOT ended STREQUAL EXIT)
  string(APPEND problems "  it ended with ${ended}; expected ${EXIT}\n")
endif()
string(REGEX MATCHALL "(ERROR|WARNING): [A-Za-z]*Sanitizer[^\n]*|runtime error:[^\n]*|[A-Za-z]+Sanitizer:DEADLYSIGNAL"
       reports "${all}")
foreach(report IN LISTS reports)
  if(NOT DEFINED ALLOW_SANITIZER OR ALLOW_SANITIZER STREQUAL "" OR NOT report MATCHES "${ALLOW_SANITIZER}")
    string(APPEND problems "  a sanitizer report: ${report}\n")
  endif()
endforeach()

if(problems)
  message(FATAL_ERROR "${problems}(ended with ${ended}) output:\n${all}")
endif()
message(STATUS "matched, ended with ${ended} as expected:\n${all}")
