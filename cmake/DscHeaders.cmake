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

# dsc_headers(<target> <PUBLIC|PRIVATE|INTERFACE> <prefix>
#             DIRECTORY <dir> | FILES <file>...)
function(dsc_headers target scope prefix)
  cmake_parse_arguments(H "" "DIRECTORY" "FILES" ${ARGN})
  if(NOT H_DIRECTORY AND NOT H_FILES)
    message(FATAL_ERROR "dsc_headers(${target}): DIRECTORY or FILES")
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
