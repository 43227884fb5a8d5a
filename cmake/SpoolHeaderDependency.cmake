# Header-only dependencies that Debian installs straight under /usr/include (Catch2 v2,
# moodycamel ConcurrentQueue). A wasm build must not see /usr/include itself (glibc's headers
# would shadow Emscripten's libc), so each one is exposed through a folder of its own in the build
# tree that holds only a link to the package's header folder.
#
#   spool_header_dependency(<out_var> <folder> <header in folder> <install hint>)
# sets <out_var> to an include directory in which <folder>/<header> resolves.
function(spool_header_dependency out_var folder header hint)
  find_path(_spool_dep_root "${folder}/${header}"
            PATHS /usr/include /usr/local/include NO_DEFAULT_PATH NO_CMAKE_FIND_ROOT_PATH)
  if(NOT _spool_dep_root)
    message(FATAL_ERROR "spool needs ${folder}/${header}: ${hint}")
  endif()
  set(staged "${CMAKE_BINARY_DIR}/spool_header_deps/${folder}")
  if(NOT EXISTS "${staged}/${folder}")
    file(MAKE_DIRECTORY "${staged}")
    file(CREATE_LINK "${_spool_dep_root}/${folder}" "${staged}/${folder}" SYMBOLIC)
  endif()
  unset(_spool_dep_root CACHE)
  set(${out_var} "${staged}" PARENT_SCOPE)
endfunction()
