!> heat2d in Fortran: the same plate, physics, steering and output as the Java and C examples.
!> The tile is field(0:cols+1, 0:rows+1) (x fastest), so its interior, in memory order, is the
!> row-major rows x cols chunk the analytics see: chunk_shape [rows, cols] in C order.
!>
!>   mpirun -np 4 heat2d_fortran --grid 256x256 --ranks 2x2 --steps 2000 --share-every 10 --alpha 1 \
!>       --cfl 0.2 --initial-temperature 300 --power 50000 --head 127.0.0.1:29600 --timeout 120
program heat2d
  use mpi
  use deisa_bridge
  use, intrinsic :: iso_fortran_env, only: int64, real64
  implicit none
  integer :: nrows = 256, ncols = 256, prows = 2, pcols = 2, steps = 2000, share_every = 10
  real(real64) :: alpha = 1, cfl = 0.2d0, initial = 300, power = 50000, timeout = 120
  character(len=256) :: head = ''
  integer :: ierr, rank, nranks, rows, cols, prow, pcol, north, south, west, east, i, j, s, back
  integer :: hr0, hr1, hc0, hc1, half_rows, half_cols
  integer(int64) :: t, when
  real(real64) :: h, dt, heating, heater_cells, u, v, value, total, low, high
  real(real64), allocatable, target :: field(:, :), next(:, :), chunk(:, :)
  real(real64), allocatable :: west_out(:), east_out(:), west_in(:), east_in(:)
  logical, allocatable :: heated(:, :)
  logical :: found
  type(deisa_bridge_t) :: bridge
  type(deisa_array_t) :: arrays(1)

  call MPI_Init(ierr)
  call MPI_Comm_rank(MPI_COMM_WORLD, rank, ierr)
  call MPI_Comm_size(MPI_COMM_WORLD, nranks, ierr)
  call parse_arguments()
  if (nranks /= prows * pcols .or. mod(nrows, prows) /= 0 .or. mod(ncols, pcols) /= 0 &
       .or. mod(steps, share_every) /= 0) then
     if (rank == 0) write (0, '(a)') 'heat2d_fortran: bad decomposition or share interval'
     call MPI_Abort(MPI_COMM_WORLD, 2, ierr)
  end if
  rows = nrows / prows
  cols = ncols / pcols
  prow = rank / pcols
  pcol = mod(rank, pcols)
  north = merge(rank - pcols, MPI_PROC_NULL, prow > 0)
  south = merge(rank + pcols, MPI_PROC_NULL, prow < prows - 1)
  west = merge(rank - 1, MPI_PROC_NULL, pcol > 0)
  east = merge(rank + 1, MPI_PROC_NULL, pcol < pcols - 1)
  h = 1d0 / ncols
  dt = cfl * h * h / alpha
  half_rows = max(1, nrows / 8)
  half_cols = max(1, ncols / 8)
  hr0 = nrows / 2 - half_rows
  hr1 = nrows / 2 + half_rows
  hc0 = ncols / 2 - half_cols
  hc1 = ncols / 2 + half_cols
  heater_cells = real(hr1 - hr0, real64) * (hc1 - hc0)
  allocate(field(0:cols + 1, 0:rows + 1), next(0:cols + 1, 0:rows + 1), heated(0:cols + 1, 0:rows + 1))
  allocate(chunk(cols, rows), west_out(rows), east_out(rows), west_in(rows), east_in(rows))
  field = 0
  next = 0
  heated = .false.
  do i = 1, rows
     do j = 1, cols
        field(j, i) = initial
        heated(j, i) = prow * rows + i - 1 >= hr0 .and. prow * rows + i - 1 < hr1 &
             .and. pcol * cols + j - 1 >= hc0 .and. pcol * cols + j - 1 < hc1
     end do
  end do
  arrays(1) = deisa_array('temperature', [rows, cols], [prows, pcols], [prow, pcol], DEISA_FLOAT64)
  ierr = deisa_bridge_init(MPI_COMM_WORLD, trim(head), arrays, timeout, bridge)
  if (ierr /= DEISA_OK) call die(deisa_last_error(bridge))
  t = 0
  do
     chunk = field(1:cols, 1:rows)
     ierr = deisa_send(bridge, 'temperature', chunk, t)
     if (ierr /= DEISA_OK) call die(deisa_last_error(bridge))
     ! steering: the newest heater power the analytics published for an earlier share
     do back = 1, 2
        when = t - back * share_every
        if (when < 0) exit
        ierr = deisa_get_double(bridge, 'heater_power', when, value, found)
        if (ierr /= DEISA_OK) call die(deisa_last_error(bridge))
        if (found) then
           power = value
           exit
        end if
     end do
     if (t == steps) exit
     heating = dt * power / (heater_cells * h * h)
     do s = 1, share_every
        call MPI_Sendrecv(field(1:cols, 1), cols, MPI_DOUBLE_PRECISION, north, 0, field(1:cols, rows + 1), cols, &
             MPI_DOUBLE_PRECISION, south, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE, ierr)
        call MPI_Sendrecv(field(1:cols, rows), cols, MPI_DOUBLE_PRECISION, south, 1, field(1:cols, 0), cols, &
             MPI_DOUBLE_PRECISION, north, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE, ierr)
        west_out = field(1, 1:rows)
        east_out = field(cols, 1:rows)
        call MPI_Sendrecv(west_out, rows, MPI_DOUBLE_PRECISION, west, 2, east_in, rows, MPI_DOUBLE_PRECISION, east, 2, &
             MPI_COMM_WORLD, MPI_STATUS_IGNORE, ierr)
        call MPI_Sendrecv(east_out, rows, MPI_DOUBLE_PRECISION, east, 3, west_in, rows, MPI_DOUBLE_PRECISION, west, 3, &
             MPI_COMM_WORLD, MPI_STATUS_IGNORE, ierr)
        if (west == MPI_PROC_NULL) then
           field(0, 1:rows) = field(1, 1:rows)
        else
           field(0, 1:rows) = west_in
        end if
        if (east == MPI_PROC_NULL) then
           field(cols + 1, 1:rows) = field(cols, 1:rows)
        else
           field(cols + 1, 1:rows) = east_in
        end if
        if (north == MPI_PROC_NULL) field(1:cols, 0) = field(1:cols, 1)
        if (south == MPI_PROC_NULL) field(1:cols, rows + 1) = field(1:cols, rows)
        do i = 1, rows
           do j = 1, cols
              u = field(j, i)
              v = u + cfl * (field(j, i - 1) + field(j, i + 1) + field(j - 1, i) + field(j + 1, i) - 4 * u)
              if (heated(j, i)) v = v + heating
              next(j, i) = v
           end do
        end do
        field(1:cols, 1:rows) = next(1:cols, 1:rows)
     end do
     t = t + share_every
  end do
  ierr = deisa_close(bridge, int(steps, int64))
  if (ierr /= DEISA_OK) call die(deisa_last_error(bridge))
  call deisa_bridge_free(bridge)
  total = 0
  low = huge(low)
  high = -huge(high)
  do i = 1, rows
     do j = 1, cols
        total = total + field(j, i)
        low = min(low, field(j, i))
        high = max(high, field(j, i))
     end do
  end do
  write (*, '(a, i0, a, i0, a, g0.17, a, g0.17, a, g0.17, a, i0, a, g0.17)') 'heat2d rank ', rank, &
       ' final: t=', steps, ' sum=', total, ' min=', low, ' max=', high, ' cells=', rows * cols, ' power=', power
  call MPI_Finalize(ierr)

contains

  subroutine parse_arguments()
    character(len=256) :: key, val
    integer :: k
    do k = 1, command_argument_count() - 1, 2
       call get_command_argument(k, key)
       call get_command_argument(k + 1, val)
       select case (trim(key))
       case ('--grid')
          call pair(val, nrows, ncols)
       case ('--ranks')
          call pair(val, prows, pcols)
       case ('--steps')
          read (val, *) steps
       case ('--share-every')
          read (val, *) share_every
       case ('--alpha')
          read (val, *) alpha
       case ('--cfl')
          read (val, *) cfl
       case ('--initial-temperature')
          read (val, *) initial
       case ('--power')
          read (val, *) power
       case ('--head')
          head = val
       case ('--timeout')
          read (val, *) timeout
       case ('--threshold', '--steer-factor')
       case default
          call die('unknown option ' // trim(key))
       end select
    end do
  end subroutine parse_arguments

  subroutine pair(text, a, b)
    character(len=*), intent(in) :: text
    integer, intent(out) :: a, b
    integer :: x
    x = index(text, 'x')
    read (text(:x - 1), *) a
    read (text(x + 1:), *) b
  end subroutine pair

  subroutine die(message)
    character(len=*), intent(in) :: message
    integer :: code
    write (0, '(a, i0, a, a)') 'heat2d_fortran rank ', rank, ': ', message
    call MPI_Abort(MPI_COMM_WORLD, 1, code)
  end subroutine die
end program heat2d
