!> Uses the installed Fortran module deisa_bridge.
program consumer
  use mpi
  use deisa_bridge
  implicit none
  type(deisa_array_t) :: arrays(1)
  arrays(1) = deisa_array('t', [2, 2], [1, 1], [0, 0], DEISA_FLOAT64)
  print *, 'deisa_bridge module: ', size(arrays(1)%chunk_shape), ' dimensions'
end program consumer
