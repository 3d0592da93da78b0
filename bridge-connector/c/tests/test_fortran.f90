!> The Fortran conformance client: the four dtypes of the module (real64, real32, int32, int64) in
!> 1 to 4 dimensions, filled with the conformance pattern (31 rank + 7 t + i) mod 100 (+ 0.5 for
!> reals) over the flat memory of the Fortran array, checked by the conformance head; then
!> deisa_close and feedback read back with deisa_get_double.
program test_fortran
  use mpi
  use deisa_bridge
  use, intrinsic :: iso_fortran_env, only: int32, int64, real32, real64
  implicit none
  integer, parameter :: timesteps = 6
  integer :: ierr, rank, nranks, failures, i
  integer(int64) :: t
  type(deisa_bridge_t) :: bridge
  type(deisa_array_t) :: arrays(4)
  real(real64), target :: a1(3)
  real(real32), target :: a2(2, 4)
  integer(int32), target :: a3(2, 2, 2)
  integer(int64), target :: a4(2, 2, 2, 3)
  real(real64) :: value
  logical :: found

  call MPI_Init(ierr)
  call MPI_Comm_rank(MPI_COMM_WORLD, rank, ierr)
  call MPI_Comm_size(MPI_COMM_WORLD, nranks, ierr)
  failures = 0
  ! shapes in C order: a2(2, 4) is a row-major [4, 2] chunk
  arrays(1) = deisa_array('f_real64', [3], [nranks], [rank], DEISA_FLOAT64)
  arrays(2) = deisa_array('f_real32', [4, 2], [nranks, 1], [rank, 0], DEISA_FLOAT32)
  arrays(3) = deisa_array('f_int32', [2, 2, 2], [nranks, 1, 1], [rank, 0, 0], DEISA_INT32)
  arrays(4) = deisa_array('f_int64', [3, 2, 2, 2], [nranks, 1, 1, 1], [rank, 0, 0, 0], DEISA_INT64)
  ierr = deisa_bridge_init(MPI_COMM_WORLD, '', arrays, 60d0, bridge)
  if (ierr /= DEISA_OK) then
     print *, 'init failed: ', deisa_last_error(bridge)
     call MPI_Abort(MPI_COMM_WORLD, 1, ierr)
  end if
  do t = 0, timesteps - 1
     a1 = reshape([(real(mod(31 * rank + 7 * t + i, 100), real64) + 0.5d0, i = 0, 2)], shape(a1))
     a2 = reshape([(real(mod(31 * rank + 7 * t + i, 100), real32) + 0.5, i = 0, 7)], shape(a2))
     a3 = reshape([(int(mod(31 * rank + 7 * t + i, 100), int32), i = 0, 7)], shape(a3))
     a4 = reshape([(int(mod(31 * rank + 7 * t + i, 100), int64), i = 0, 23)], shape(a4))
     call expect_ok(deisa_send(bridge, 'f_real64', a1, t))
     call expect_ok(deisa_send(bridge, 'f_real32', a2, t))
     call expect_ok(deisa_send(bridge, 'f_int32', a3, t))
     call expect_ok(deisa_send(bridge, 'f_int64', a4, t))
  end do
  ! a refused send: the dtype of the Fortran array is not the declared one
  ierr = deisa_send(bridge, 'f_real64', a3, int(timesteps, int64))
  if (ierr /= DEISA_CONTRACT_ERROR) call fail('a wrong dtype was accepted')
  if (index(deisa_last_error(bridge), 'is declared as float64 but a int32 chunk was given') == 0) &
       call fail('message: ' // deisa_last_error(bridge))
  call expect_ok(deisa_close(bridge, int(timesteps, int64)))
  do t = 0, timesteps - 1
     call expect_ok(deisa_get_double(bridge, 'double', t, value, found))
     if (.not. found .or. value /= real(t, real64) + 0.25d0) call fail('feedback double')
     call expect_ok(deisa_get_double(bridge, 'long', t, value, found))
     if (.not. found .or. value /= 1000d0 + t) call fail('feedback long')
     call expect_ok(deisa_get_double(bridge, 'null', t, value, found))
     if (found) call fail('feedback null found')
  end do
  call deisa_bridge_free(bridge)
  call MPI_Finalize(ierr)
  if (failures > 0) then
     print *, 'rank', rank, ':', failures, 'check(s) failed'
     stop 1
  end if
  print *, 'rank', rank, ': fortran conformance client done'
contains
  subroutine expect_ok(code)
    integer, intent(in) :: code
    if (code /= DEISA_OK) call fail('return code ' // achar(48 + code) // ': ' // deisa_last_error(bridge))
  end subroutine expect_ok
  subroutine fail(what)
    character(len=*), intent(in) :: what
    failures = failures + 1
    write (0, '(a, i0, a, a)') 'CHECK FAILED rank ', rank, ': ', what
  end subroutine fail
end program test_fortran
