!> Fortran interface of libdeisa_bridge (deisa_bridge.h), with ISO_C_BINDING.
!>
!>   use deisa_bridge
!>   type(deisa_bridge_t) :: bridge
!>   type(deisa_array_t) :: arrays(1)
!>   arrays(1) = deisa_array('temperature', [64, 64], [4, 4], [i, j], DEISA_FLOAT64)
!>   ierr = deisa_bridge_init(MPI_COMM_WORLD, '127.0.0.1:29600', arrays, 120d0, bridge)
!>   ierr = deisa_send(bridge, 'temperature', field, int(step, int64))   ! real(real32|real64),
!>                                                                       ! integer(int32|int64), any rank
!>   ierr = deisa_get_double(bridge, 'heater', int(step, int64), value, found)
!>   ierr = deisa_close(bridge, int(nsteps, int64))
!>   call deisa_bridge_free(bridge)
!>
!> Shapes are given in C order (the slowest dimension first), as the analytics see the array: a
!> Fortran array field(nx, ny) is row-major of shape [ny, nx], so declare chunk_shape [ny, nx],
!> and the grid and position in the same order. Every function returns a DEISA_* code;
!> deisa_last_error(bridge) gives the message of the last failing call.
module deisa_bridge
  use, intrinsic :: iso_c_binding
  use, intrinsic :: iso_fortran_env, only: int32, int64, real32, real64
  implicit none
  private

  integer, parameter, public :: DEISA_OK = 0, DEISA_INVALID_ARGUMENT = 1, DEISA_CONTRACT_ERROR = 2, &
       DEISA_TIMEOUT = 3, DEISA_ANALYTICS_FAILED = 4
  integer(c_int), parameter, public :: DEISA_INT8 = 0, DEISA_INT16 = 1, DEISA_INT32 = 2, DEISA_INT64 = 3, &
       DEISA_UINT8 = 4, DEISA_UINT16 = 5, DEISA_UINT32 = 6, DEISA_UINT64 = 7, DEISA_FLOAT32 = 8, &
       DEISA_FLOAT64 = 9

  !> A bridge (opaque).
  type, public :: deisa_bridge_t
     type(c_ptr) :: ptr = c_null_ptr
  end type deisa_bridge_t

  !> One array's chunk metadata; build it with deisa_array(...).
  type, public :: deisa_array_t
     character(len=:), allocatable :: name
     integer(c_int), allocatable :: chunk_shape(:), chunks_per_dim(:), chunk_position(:)
     integer(c_int) :: chunks_of_node = 1
     integer(c_int) :: dtype = DEISA_FLOAT64
  end type deisa_array_t

  type, bind(c) :: c_array_t
     type(c_ptr) :: name
     integer(c_int) :: ndim
     type(c_ptr) :: chunk_shape, chunks_per_dim, chunk_position
     integer(c_int) :: chunks_of_node
     integer(c_int) :: dtype
  end type c_array_t

  interface
     integer(c_int) function c_init_f(comm, head, n_arrays, arrays, timeout, bridge) &
          bind(c, name='deisa_bridge_init_f')
       import :: c_int, c_char, c_ptr, c_double, c_array_t
       integer(c_int), value :: comm
       character(kind=c_char), intent(in) :: head(*)
       integer(c_int), value :: n_arrays
       type(c_array_t), intent(in) :: arrays(*)
       real(c_double), value :: timeout
       type(c_ptr), intent(out) :: bridge
     end function c_init_f
     integer(c_int) function c_send(bridge, name, chunk, n, dtype, timestep) bind(c, name='deisa_send')
       import :: c_int, c_char, c_ptr, c_long_long
       type(c_ptr), value :: bridge
       character(kind=c_char), intent(in) :: name(*)
       type(c_ptr), value :: chunk
       integer(c_long_long), value :: n
       integer(c_int), value :: dtype
       integer(c_long_long), value :: timestep
     end function c_send
     integer(c_int) function c_get_double(bridge, name, timestep, value, found) bind(c, name='deisa_get_double')
       import :: c_int, c_char, c_ptr, c_long_long, c_double
       type(c_ptr), value :: bridge
       character(kind=c_char), intent(in) :: name(*)
       integer(c_long_long), value :: timestep
       real(c_double), intent(inout) :: value
       integer(c_int), intent(out) :: found
     end function c_get_double
     integer(c_int) function c_close(bridge, timestep) bind(c, name='deisa_close')
       import :: c_int, c_ptr, c_long_long
       type(c_ptr), value :: bridge
       integer(c_long_long), value :: timestep
     end function c_close
     subroutine c_free(bridge) bind(c, name='deisa_bridge_free')
       import :: c_ptr
       type(c_ptr), value :: bridge
     end subroutine c_free
     type(c_ptr) function c_last_error(bridge) bind(c, name='deisa_last_error')
       import :: c_ptr
       type(c_ptr), value :: bridge
     end function c_last_error
     integer(c_size_t) function c_strlen(s) bind(c, name='strlen')
       import :: c_ptr, c_size_t
       type(c_ptr), value :: s
     end function c_strlen
  end interface

  !> deisa_send(bridge, name, chunk, timestep): chunk real(real32|real64) or integer(int32|int64),
  !> contiguous, of any rank; its dtype must be the array's.
  interface deisa_send
     module procedure send_r64, send_r32, send_i32, send_i64
  end interface deisa_send

  public :: deisa_array, deisa_bridge_init, deisa_send, deisa_get_double, deisa_close, deisa_bridge_free, &
       deisa_last_error

contains

  !> The metadata of one array (shapes in C order); chunks_of_node defaults to 1.
  function deisa_array(name, chunk_shape, chunks_per_dim, chunk_position, dtype, chunks_of_node) result(a)
    character(len=*), intent(in) :: name
    integer, intent(in) :: chunk_shape(:), chunks_per_dim(:), chunk_position(:)
    integer(c_int), intent(in) :: dtype
    integer, intent(in), optional :: chunks_of_node
    type(deisa_array_t) :: a
    a%name = name
    a%chunk_shape = int(chunk_shape, c_int)
    a%chunks_per_dim = int(chunks_per_dim, c_int)
    a%chunk_position = int(chunk_position, c_int)
    a%dtype = dtype
    if (present(chunks_of_node)) a%chunks_of_node = int(chunks_of_node, c_int)
  end function deisa_array

  !> Collective over comm (a Fortran MPI communicator handle, e.g. MPI_COMM_WORLD).
  !> head: "host:port", or '' for $DEISA_HEAD, else 127.0.0.1:29600.
  integer function deisa_bridge_init(comm, head, arrays, connect_timeout_s, bridge) result(ierr)
    integer, intent(in) :: comm
    character(len=*), intent(in) :: head
    type(deisa_array_t), intent(in), target :: arrays(:)
    real(real64), intent(in) :: connect_timeout_s
    type(deisa_bridge_t), intent(out) :: bridge
    type(c_array_t), allocatable :: c_arrays(:)
    type(c_ptr) :: ptr
    character(kind=c_char, len=:), allocatable, target :: names(:)
    integer :: i, longest, n
    longest = 1
    do i = 1, size(arrays)
       longest = max(longest, len(arrays(i)%name) + 1)
    end do
    allocate(character(kind=c_char, len=longest) :: names(size(arrays)))
    allocate(c_arrays(size(arrays)))
    do i = 1, size(arrays)
       names(i) = arrays(i)%name // c_null_char
       n = size(arrays(i)%chunk_shape)
       if (size(arrays(i)%chunks_per_dim) /= n .or. size(arrays(i)%chunk_position) /= n) n = -1
       c_arrays(i)%name = c_loc(names(i))
       c_arrays(i)%ndim = int(n, c_int)
       c_arrays(i)%chunk_shape = c_loc(arrays(i)%chunk_shape)
       c_arrays(i)%chunks_per_dim = c_loc(arrays(i)%chunks_per_dim)
       c_arrays(i)%chunk_position = c_loc(arrays(i)%chunk_position)
       c_arrays(i)%chunks_of_node = arrays(i)%chunks_of_node
       c_arrays(i)%dtype = arrays(i)%dtype
    end do
    if (len_trim(head) == 0) then
       ierr = c_init_f(int(comm, c_int), c_null_char, int(size(arrays), c_int), c_arrays, &
            real(connect_timeout_s, c_double), ptr)
    else
       ierr = c_init_f(int(comm, c_int), trim(head) // c_null_char, int(size(arrays), c_int), c_arrays, &
            real(connect_timeout_s, c_double), ptr)
    end if
    bridge%ptr = ptr
  end function deisa_bridge_init

  integer function send_r64(bridge, name, chunk, timestep) result(ierr)
    type(deisa_bridge_t), intent(in) :: bridge
    character(len=*), intent(in) :: name
    real(real64), intent(in), target, contiguous :: chunk(..)
    integer(int64), intent(in) :: timestep
    ierr = c_send(bridge%ptr, trim(name) // c_null_char, c_loc(chunk), int(size(chunk), c_long_long), &
         DEISA_FLOAT64, int(timestep, c_long_long))
  end function send_r64

  integer function send_r32(bridge, name, chunk, timestep) result(ierr)
    type(deisa_bridge_t), intent(in) :: bridge
    character(len=*), intent(in) :: name
    real(real32), intent(in), target, contiguous :: chunk(..)
    integer(int64), intent(in) :: timestep
    ierr = c_send(bridge%ptr, trim(name) // c_null_char, c_loc(chunk), int(size(chunk), c_long_long), &
         DEISA_FLOAT32, int(timestep, c_long_long))
  end function send_r32

  integer function send_i32(bridge, name, chunk, timestep) result(ierr)
    type(deisa_bridge_t), intent(in) :: bridge
    character(len=*), intent(in) :: name
    integer(int32), intent(in), target, contiguous :: chunk(..)
    integer(int64), intent(in) :: timestep
    ierr = c_send(bridge%ptr, trim(name) // c_null_char, c_loc(chunk), int(size(chunk), c_long_long), &
         DEISA_INT32, int(timestep, c_long_long))
  end function send_i32

  integer function send_i64(bridge, name, chunk, timestep) result(ierr)
    type(deisa_bridge_t), intent(in) :: bridge
    character(len=*), intent(in) :: name
    integer(int64), intent(in), target, contiguous :: chunk(..)
    integer(int64), intent(in) :: timestep
    ierr = c_send(bridge%ptr, trim(name) // c_null_char, c_loc(chunk), int(size(chunk), c_long_long), &
         DEISA_INT64, int(timestep, c_long_long))
  end function send_i64

  !> Collective: the feedback value of name at timestep as a double; found is .false. when none.
  integer function deisa_get_double(bridge, name, timestep, value, found) result(ierr)
    type(deisa_bridge_t), intent(in) :: bridge
    character(len=*), intent(in) :: name
    integer(int64), intent(in) :: timestep
    real(real64), intent(inout) :: value
    logical, intent(out) :: found
    integer(c_int) :: c_found
    real(c_double) :: v
    v = value
    c_found = 0
    ierr = c_get_double(bridge%ptr, trim(name) // c_null_char, int(timestep, c_long_long), v, c_found)
    found = c_found /= 0
    if (found) value = v
  end function deisa_get_double

  !> Collective: ends the run at timestep.
  integer function deisa_close(bridge, timestep) result(ierr)
    type(deisa_bridge_t), intent(in) :: bridge
    integer(int64), intent(in) :: timestep
    ierr = c_close(bridge%ptr, int(timestep, c_long_long))
  end function deisa_close

  !> Releases the bridge (a freed or never initialized bridge is fine).
  subroutine deisa_bridge_free(bridge)
    type(deisa_bridge_t), intent(inout) :: bridge
    call c_free(bridge%ptr)
    bridge%ptr = c_null_ptr
  end subroutine deisa_bridge_free

  !> The message of the bridge's last failing call (of this thread's last init error for a bridge
  !> that failed to initialize).
  function deisa_last_error(bridge) result(message)
    type(deisa_bridge_t), intent(in) :: bridge
    character(len=:), allocatable :: message
    type(c_ptr) :: p
    character(kind=c_char), pointer :: chars(:)
    integer :: n, i
    p = c_last_error(bridge%ptr)
    n = int(c_strlen(p))
    call c_f_pointer(p, chars, [n])
    allocate(character(len=n) :: message)
    do i = 1, n
       message(i:i) = chars(i)
    end do
  end function deisa_last_error

end module deisa_bridge
