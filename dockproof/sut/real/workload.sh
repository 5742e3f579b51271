#!/bin/sh
# dockproof workload: the container's init (PID 1), driven by the harness.
#
# The harness writes one line "SEQ VERB ARG" into the FIFO /dp/ctl (from the host, through
# /proc/PID/root, so no exec process is charged to the container's memory cgroup) and waits
# for "SEQ" to appear in /dp/ack. Verbs: alloc (hold one more memory unit), write_mem,
# write_fs, exit CODE, child_exit CODE. See dockproof/sut/real/workload.py.

UNIT=${DP_UNIT_BYTES:-8388608}

# Make init the memcg OOM killer's victim: a unit is held by child processes that are bigger
# than init, and the seed's OOM kill (S4) ends the container, so init must be the one chosen.
# Raising oom_score_adj needs no capability; holders lower theirs back to 0 (the inherited
# oom_score_adj_min), which needs none either.
echo 1000 > /proc/self/oom_score_adj

# busybox sh as PID 1 ignores SIGTERM (the kernel drops default-action signals to a
# namespace's init), so `docker stop` would wait its whole timeout and SIGKILL (exit 137,
# engine-facts §2.2). Exit 143 on TERM, as a process killed by TERM would.
trap 'exit 143' TERM

ack() { echo "$1" > /dp/ack.tmp && mv /dp/ack.tmp /dp/ack; }

# Hold one unit: dd reads UNIT bytes of /dev/zero into its buffer (touching every page), then
# blocks writing into a pipe whose reader has gone to sleep, so the buffer stays resident.
# The reader acknowledges once the first byte arrives, i.e. once the whole buffer is filled.
#
# conv=sync,noerror: the read fills the buffer from inside the kernel (copy to user), and a
# memory cgroup charge made there that meets the limit with the OOM killer disabled does not
# wait: it fails (memcg1_oom_prepare waits only in a user-mode fault), so read() comes back
# short or with EFAULT. Plain dd would then write what it got or exit, the reader would ack a
# unit that is not held, and the hang of S8 would not come (seen in a Docker tour: acked,
# usage 2 units, under_oom 0). With sync,noerror dd pads the rest of the block with memset,
# in user mode, as a program touching its own heap does, and that fault hangs at the limit
# (or, OOM killer enabled, kills). Measured on a bare cgroup here: old 1 hang in 4 tries,
# new 12 in 12.
alloc() {
    sh -c 'echo 0 > /proc/self/oom_score_adj
        dd if=/dev/zero bs='"$UNIT"' count=1 conv=sync,noerror 2>/dev/null |
        { head -c 1 >/dev/null; echo '"$1"' > /dp/ack.tmp && mv /dp/ack.tmp /dp/ack
          exec sleep 2147483647; }' 3<&- &
}

mkdir -p /dp
rm -f /dp/ctl /dp/ack /dp/ack.tmp
mkfifo /dp/ctl
# Init holds the FIFO open read-write (fd 3) for its whole life, so the pipe always has a
# reader and never an EOF: every line a writer puts in stays there until init reads it. The
# harness sends one line and awaits its ack before the next. (It used to be read in a loop
# that opened the FIFO again after each writer's EOF; a writer that opened it between init's
# EOF and its close put its line into a pipe about to be dropped with its last reader. Three
# Podman tour steps in one session stayed unacknowledged so: alloc, write_fs, exit 0.)
exec 3<> /dp/ctl
while read -r seq verb arg <&3; do
    case "$verb" in
        '') ;;  # the harness's readiness probe: an empty line
        alloc) alloc "$seq" ;;
        write_mem) echo "$arg" > /dev/shm/dp-mem && ack "$seq" ;;
        write_fs) echo "$arg" > /dp/fs-data && ack "$seq" ;;
        exit) exit "$arg" ;;
        # S10: init waits for its child and its exit takes init (and so the container) down.
        child_exit) sh -c "exit $arg" 3<&- & wait $!; exit $? ;;
        *) ack "$seq" ;;
    esac
done
