# Include directories per library, not per project.
#
# A library's headers are included as "<prefix>/<file>" ("frontend/Checkpoint.h",
# "Dsc/IR/DscOps.h", "registry/TargetRegistry.h"). Were the parent of each
# source directory on the include path, every library would see every other
# one's headers, linked or not. Instead each library gets an include root of
# its own in the build tree, holding only a symbolic link <prefix> to its
# source directory (or one link per header file), and passes that root on to
# whatever links it. A file that includes a header of a library it does not
# link then fails to compile: "'frontend/Checkpoint.h' file not found".
#
# Edits to the headers need no reconfiguring (the links point at the sources);
# a new header in a FILES list does.
#
# Generated headers (tablegen's .inc files) are the exception: they are put on
# the include path by their real directory (GENERATED). Ninja knows a
# generated file only by the path its rule writes; included through a link it
# is a different path, which ninja stats once before the build, so sources
# that include it would be rebuilt only by the next run after a .td edit.

# dsc_headers(<target> <PUBLIC|PRIVATE|INTERFACE> <prefix>
#             DIRECTORY <dir> | FILES <file>... | GENERATED <dir>)
# GENERATED <dir> must be a build directory whose path ends in <prefix>: its
# parent (the path less <prefix>) is the include root.
function(dsc_headers target scope prefix)
  cmake_parse_arguments(H "" "DIRECTORY;GENERATED" "FILES" ${ARGN})
  if(H_GENERATED)
    string(LENGTH "/${prefix}" plen)
    string(LENGTH "${H_GENERATED}" dlen)
    math(EXPR start "${dlen} - ${plen}")
    if(start LESS 1)
      message(FATAL_ERROR "dsc_headers(${target}): ${H_GENERATED} does not "
                          "end in /${prefix}")
    endif()
    string(SUBSTRING "${H_GENERATED}" ${start} -1 tail)
    string(SUBSTRING "${H_GENERATED}" 0 ${start} root)
    if(NOT tail STREQUAL "/${prefix}")
      message(FATAL_ERROR "dsc_headers(${target}): ${H_GENERATED} does not "
                          "end in /${prefix}")
    endif()
    target_include_directories(${target} ${scope} ${root})
    return()
  endif()
  if(NOT H_DIRECTORY AND NOT H_FILES)
    message(FATAL_ERROR "dsc_headers(${target}): DIRECTORY, FILES or GENERATED")
  endif()
  # One root per call: a prefix can be a link to one directory only, and a
  # library may have two (its sources and its generated headers).
  get_property(roots TARGET ${target} PROPERTY DSC_HEADER_ROOTS)
  if(NOT roots)
    set(roots 0)
  endif()
  math(EXPR next "${roots} + 1")
  set_property(TARGET ${target} PROPERTY DSC_HEADER_ROOTS ${next})
  set(root ${CMAKE_BINARY_DIR}/include/${target}/${roots})

  if(H_DIRECTORY)
    get_filename_component(H_DIRECTORY ${H_DIRECTORY} ABSOLUTE)
    get_filename_component(parent ${root}/${prefix} DIRECTORY)
    file(MAKE_DIRECTORY ${parent})
    _dsc_link(${H_DIRECTORY} ${root}/${prefix})
  else()
    file(MAKE_DIRECTORY ${root}/${prefix})
    foreach(file ${H_FILES})
      get_filename_component(file ${file} ABSOLUTE)
      get_filename_component(name ${file} NAME)
      _dsc_link(${file} ${root}/${prefix}/${name})
    endforeach()
  endif()
  target_include_directories(${target} ${scope} ${root})
endfunction()

function(_dsc_link original link)
  # file(REMOVE) unlinks a symbolic link without following it.
  if(IS_SYMLINK ${link} OR EXISTS ${link})
    file(REMOVE ${link})
  endif()
  file(CREATE_LINK ${original} ${link} SYMBOLIC)
endfunction()
