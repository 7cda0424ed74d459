#!/usr/bin/env bash
# A real Slurm test (issue 22): run the job array of docs/scale-out.md on a throwaway
# single-node Slurm cluster on this machine, merge the shards, and check that the merged
# outputs are byte-identical to one unsharded run.
#
#   bash tests/slurm/run.sh          (or: make test-slurm)
#
# Needs root and a Debian/Ubuntu machine (it apt-get installs slurm-wlm and munge if they are
# missing) and starts munged, slurmctld and slurmd by hand (no systemd), all configured inside
# a temporary directory and stopped again on exit. See tests/slurm/README.md.
#
# Environment:
#   TARIFFSIM  the binary to test (default target/release/tariffsim, made absolute)
#   SHARDS     number of array tasks / shards (default 4)
#   DRAWS      draws of the run (default 400)
#   SEED       master seed (default 7)
#   SAMPLER    sampler (default lhs, as in docs/scale-out.md; LHS strata across shard
#              boundaries are the interesting case for bit identity)
#   KEEP=1     keep the temporary directory (configs, daemon logs, outputs) for inspection
#   TIMEOUT    seconds to wait for the cluster / the array (default 300 each)
set -euo pipefail

# --- settings ---------------------------------------------------------------------------------
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$REPO"
TARIFFSIM=${TARIFFSIM:-target/release/tariffsim}
TARIFFSIM=$(realpath "$TARIFFSIM")
SCENARIO=scenarios/us_china_2025.toml
SHARDS=${SHARDS:-4}
DRAWS=${DRAWS:-400}
SEED=${SEED:-7}
SAMPLER=${SAMPLER:-lhs}
TIMEOUT=${TIMEOUT:-300}
KEEP=${KEEP:-0}

log() { printf '[slurm-test %(%H:%M:%S)T] %s\n' -1 "$*"; }
die() { log "FAIL: $*"; exit 1; }

[[ $(id -u) -eq 0 ]] || die "must run as root (installs packages, starts munged/slurmd as root)"
[[ -x $TARIFFSIM ]] || die "no tariffsim binary at $TARIFFSIM (run 'make build' or set TARIFFSIM)"
[[ -f $SCENARIO ]] || die "no $SCENARIO (run from a tariffsim checkout)"
log "tariffsim: $TARIFFSIM ($("$TARIFFSIM" --version 2>/dev/null || echo '?'))"

# --- 1. packages --------------------------------------------------------------------------------
need=()
for cmd in munged slurmctld slurmd sbatch squeue sinfo scontrol; do
    command -v "$cmd" >/dev/null || need+=("$cmd")
done
if ((${#need[@]})); then
    log "missing ${need[*]}: installing slurm-wlm and munge"
    # Debian's policy-rc.d in containers stops the packages' services from starting; without
    # systemd nothing would start them anyway. We start our own daemons below.
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y slurm-wlm munge || { apt-get update && apt-get install -y slurm-wlm munge; }
fi
log "$(slurmctld -V), $(munged -V 2>&1 | head -n1)"

# --- 2. a throwaway cluster --------------------------------------------------------------------
T=$(mktemp -d /tmp/tariffsim-slurm.XXXXXX)
chmod 0755 "$T" # slurmd/job steps run as root, but keep it traversable like a real spool
WORK=$T/work     # the "shared file system" the jobs write to
mkdir -p "$T"/{munge,etc,state,spool,log} "$WORK"/logs
PIDS=()          # daemons we started, stopped in reverse order on exit

cleanup() {
    local rc=$?
    set +e
    # Cancel anything still queued/running so slurmd has nothing left to do.
    [[ -n ${JOBID:-} ]] && scancel "$JOBID" 2>/dev/null
    for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
        kill "${PIDS[i]}" 2>/dev/null
    done
    for pid in "${PIDS[@]}"; do # wait up to ~10 s for each, then insist
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
        kill -9 "$pid" 2>/dev/null
    done
    if ((rc != 0)); then
        # Leave the evidence in the log of a failing run.
        for f in "$T"/log/*.log "$WORK"/logs/*; do
            [[ -s $f ]] || continue
            echo "----- $f (last 40 lines) -----"
            tail -n 40 "$f"
        done
    fi
    if [[ $KEEP == 1 ]]; then
        log "kept $T"
    else
        rm -rf "$T"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# munge: a fresh key (0400, owned by root = the user munged runs as) and a private socket.
if command -v mungekey >/dev/null; then
    mungekey --create --keyfile="$T/munge/munge.key" --bits=1024
else # older munge (create-munge-key era): 1 KiB of randomness is a valid key
    dd if=/dev/urandom of="$T/munge/munge.key" bs=1024 count=1 status=none
fi
chmod 0755 "$T/munge" # not writable by others (munged checks); traversable for clients
chmod 0400 "$T/munge/munge.key"
MUNGE_SOCKET=$T/munge/munge.socket # (a Unix socket path: keep T short, < 108 bytes)
munged --foreground --force \
    --socket="$MUNGE_SOCKET" --key-file="$T/munge/munge.key" \
    --pid-file="$T/munge/munged.pid" --seed-file="$T/munge/munged.seed" \
    2>"$T/log/munged.log" & # in the foreground munged logs to stderr, not to --log-file
PIDS+=($!)
for _ in $(seq 50); do [[ -S $MUNGE_SOCKET ]] && break; sleep 0.2; done
[[ -S $MUNGE_SOCKET ]] || die "munged did not create $MUNGE_SOCKET"
munge --socket="$MUNGE_SOCKET" -n | unmunge --socket="$MUNGE_SOCKET" >/dev/null \
    || die "munge round trip failed"
log "munged up (socket $MUNGE_SOCKET)"

# slurm.conf. The node name must be what slurmd calls itself (hostname -s); address it as
# 127.0.0.1 so nothing depends on DNS. Cgroups are off (proctrack/linuxproc, task/none,
# jobacct_gather/none): they need a cgroup hierarchy that containers usually lack.
NODE=$(hostname -s)
CPUS=$(nproc)
MEM_MB=$(($(awk '/^MemTotal:/ {print $2}' /proc/meminfo) / 1024 * 9 / 10))
# Ports: not Slurm's defaults (6817/6818), so we do not collide with a real cluster's daemons.
CTLD_PORT=${CTLD_PORT:-16817}
SLURMD_PORT=${SLURMD_PORT:-16818}
export SLURM_CONF=$T/etc/slurm.conf
cat >"$SLURM_CONF" <<EOF
# Throwaway single-node cluster for tests/slurm/run.sh
ClusterName=tariffsim-test
SlurmctldHost=$NODE(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=root
SlurmdUser=root
# munge via our private socket (auth and job credentials both read AuthInfo)
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$MUNGE_SOCKET
StateSaveLocation=$T/state
SlurmdSpoolDir=$T/spool
SlurmctldPidFile=$T/state/slurmctld.pid
SlurmdPidFile=$T/spool/slurmd.pid
SlurmctldLogFile=$T/log/slurmctld.log
SlurmdLogFile=$T/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
# no cgroups, no accounting daemon
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
# no mail (the default MailProg is not installed; slurmctld logs an error without this)
MailProg=/bin/true
SwitchType=switch/none
PlugStackConfig=$T/etc/plugstack.conf
# schedule CPUs and memory, so array tasks share the node
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU_Memory
# trust this file over what slurmd detects (a container may report odd topology)
SlurmdParameters=config_overrides
ReturnToService=2
# finished jobs stay visible to scontrol for 10 minutes (no accounting to ask instead)
MinJobAge=600
NodeName=$NODE NodeAddr=127.0.0.1 CPUs=$CPUS RealMemory=$MEM_MB State=UNKNOWN
PartitionName=test Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF
: >"$T/etc/plugstack.conf" # no SPANK plugins (ignore the system's plugstack.conf.d)
log "slurm.conf: node $NODE, $CPUS CPUs, ${MEM_MB} MB, ports $CTLD_PORT/$SLURMD_PORT"

# -D: foreground (we background it ourselves and keep its pid); -i: ignore any old state.
slurmctld -D -i -f "$SLURM_CONF" >"$T/log/slurmctld.stdout" 2>&1 &
PIDS+=($!)
slurmd -D -f "$SLURM_CONF" -N "$NODE" >"$T/log/slurmd.stdout" 2>&1 &
PIDS+=($!)

log "waiting for node $NODE to be idle"
deadline=$((SECONDS + TIMEOUT))
until [[ $(sinfo -h -n "$NODE" -o '%t' 2>/dev/null) == idle ]]; do
    for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null || die "a daemon (pid $pid) exited"; done
    ((SECONDS < deadline)) || die "node not idle after ${TIMEOUT}s: $(sinfo -N 2>&1 | tr '\n' ' ')"
    sleep 1
done
sinfo

# --- 3. the job array of docs/scale-out.md (SHARDS tasks, small) -----------------------------
cat >"$WORK/array.sbatch" <<EOF
#!/bin/bash
#SBATCH --job-name=tariffsim
#SBATCH --array=1-$SHARDS
#SBATCH --cpus-per-task=1
#SBATCH --mem=256M
#SBATCH --time=00:10:00
#SBATCH --output=$WORK/logs/%A_%a.out
set -euo pipefail
N=$SHARDS
"$TARIFFSIM" run $SCENARIO \\
  --draws $DRAWS --seed $SEED --sampler $SAMPLER \\
  --threads "\$SLURM_CPUS_PER_TASK" --quiet \\
  --shard "\${SLURM_ARRAY_TASK_ID}/\${N}" \\
  --out "$WORK/shard-\${SLURM_ARRAY_TASK_ID}"
EOF
log "job script:"
sed 's/^/    /' "$WORK/array.sbatch"

# --parsable prints the job id; --chdir makes the scenario path resolve against the repository.
JOBID=$(sbatch --parsable --chdir="$REPO" "$WORK/array.sbatch")
JOBID=${JOBID%%;*}
log "submitted array job $JOBID"

# --- 4. wait for the array, then merge --------------------------------------------------------
# No accounting (sacct needs slurmdbd), so poll squeue until the array has left the queue, then
# read every task's final state and exit code from slurmctld (kept for MinJobAge).
deadline=$((SECONDS + TIMEOUT))
while queued=$(squeue -h -j "$JOBID" -o '%i') || die "squeue failed (slurmctld down?)"; [[ -n $queued ]]; do
    ((SECONDS < deadline)) || die "array $JOBID not finished after ${TIMEOUT}s: $(squeue -j "$JOBID" 2>&1 | tr '\n' ' ')"
    sleep 1
done
bad=0
for k in $(seq 1 "$SHARDS"); do
    info=$(scontrol -o show job "${JOBID}_$k")
    state=$(grep -o 'JobState=[^ ]*' <<<"$info")
    code=$(grep -o ' ExitCode=[^ ]*' <<<"$info")
    where=$(grep -o ' NodeList=[^ ]*' <<<"$info")
    when=$(grep -o ' StartTime=[^ ]*' <<<"$info")
    log "task ${JOBID}_$k: ${state}${code}${where}${when}"
    [[ $state == JobState=COMPLETED && $code == ' ExitCode=0:0' ]] || bad=1
    [[ -f $WORK/shard-$k/manifest.json ]] || { log "shard-$k has no manifest.json"; bad=1; }
done
((bad == 0)) || die "some array tasks failed (see their logs below)"

"$TARIFFSIM" merge "$WORK"/shard-* --out "$WORK/merged"

# --- 5. the same run unsharded, and the byte-identical check ---------------------------------
"$TARIFFSIM" run $SCENARIO --draws "$DRAWS" --seed "$SEED" --sampler "$SAMPLER" \
    --threads 1 --quiet --out "$WORK/single" >/dev/null

# merge writes draws.csv, summary.json, summary.csv, manifest.json, the side files it checked
# were identical (phases.csv, timeline.csv, rules.json) and the charts + report.html; compare
# every file both directories have. No exceptions are needed: merge rewrites the manifest's
# shard fields to those of an unsharded run (shard 1 of 1, draws 0..DRAWS) and nothing written
# holds a timestamp or an output path. The three required files must exist in both.
fail=0
same=0
for f in draws.csv summary.json summary.csv; do
    [[ -f $WORK/merged/$f && -f $WORK/single/$f ]] || { log "MISSING $f"; fail=1; }
done
for path in "$WORK"/single/*; do
    f=$(basename "$path")
    if [[ ! -e $WORK/merged/$f ]]; then
        log "only in single run: $f (not compared)"
        continue
    fi
    if cmp "$WORK/single/$f" "$WORK/merged/$f"; then
        log "byte-identical: $f ($(stat -c %s "$path") bytes)"
        same=$((same + 1))
    else
        log "DIFFERS: $f"
        fail=1
    fi
done
for path in "$WORK"/merged/*; do
    [[ -e $WORK/single/$(basename "$path") ]] || log "only in merged: $(basename "$path") (not compared)"
done

# --- 6. summary --------------------------------------------------------------------------------
if ((fail == 0)); then
    log "PASS: $SHARDS-task Slurm array ($DRAWS draws, seed $SEED, $SAMPLER) merged == single run, $same files byte-identical"
else
    die "merged shards differ from the single run"
fi
