#!/usr/bin/env node
// A small container runtime written in JavaScript, tested by dockproof over the jsonl
// protocol (docs/adapter-protocol.md):
//
//   dockproof conform --adapter "exec:node examples/adapters/node/sut.js"
//
// It is an independent implementation of the seed's lifecycle (S1-S16), not a translation of
// the model: one container at a time; create builds the file system, start gives it a process
// (CPU, memory, network); pause withdraws the CPU; a process that asks for memory past its
// limit is OOM-killed, or hangs with --oom-kill-disable; unless-stopped/always/on-failure
// restart the container after its process exits, never after a user's stop or kill.
'use strict';

const readline = require('readline');

let hostUnits = 20;
let c = null; // the one container, or null

const OK = { ok: true };
const refuse = (error) => ({ ok: false, error });

function newContainer(config) {
  return {
    memory: config.memory ?? null,
    oomKillDisable: Boolean(config.oom_kill_disable),
    restart: config.restart || 'no',
    status: 'created',
    proc: null, // { usage, memData, hung }
    net: false,
    fsData: false,
    exitCode: 0,
    oomKilled: false,
    restartCount: 0,
    restartPending: false,
  };
}

function start() {
  c.proc = { usage: 0, memData: false, hung: false };
  c.net = true;
  c.status = 'running';
  c.restartPending = false;
}

function wantsRestart(code, byUser) {
  const [name, max] = c.restart.split(':');
  if (byUser || name === 'no') return false;
  if (name === 'on-failure') return code !== 0 && (!max || c.restartCount < Number(max));
  return name === 'always' || name === 'unless-stopped';
}

// The process is gone: the daemon reclaims CPU, memory and network; the file system stays.
function exited(code, byUser, oom) {
  c.proc = null;
  c.net = false;
  c.status = 'exited';
  c.exitCode = code;
  c.oomKilled = oom;
  c.restartPending = wantsRestart(code, byUser);
}

function workload() {
  if (c.status === 'paused') return refuse('container sut is paused, unpause the container first');
  if (c.status !== 'running') return refuse('container sut is not running');
  if (c.proc.hung) return refuse('the process of sut is blocked at its memory limit');
  return null;
}

function alloc(units) {
  const p = c.proc;
  if (c.memory !== null && p.usage + units > c.memory) {
    if (c.oomKillDisable) {
      p.usage = c.memory;
      p.hung = true; // asleep at the limit: neither killed nor given more
    } else {
      exited(137, false, true);
    }
    return OK;
  }
  if (p.usage + units > hostUnits) return refuse(`cannot allocate ${units} units: host memory exhausted`);
  p.usage += units;
  return OK;
}

function apply(cmd) {
  const verb = cmd.verb;
  if (verb === 'create' || verb === 'run') {
    if (c) return refuse('Conflict. The container name "/sut" is already in use');
    c = newContainer(cmd.config || {});
    if (verb === 'run') start();
    return OK;
  }
  if (!c) return refuse('No such container: sut');
  const live = c.status === 'running' || c.status === 'paused';
  switch (verb) {
    case 'start':
      if (c.status === 'paused') return refuse('cannot start a paused container, try unpause instead');
      if (c.status !== 'running') { c.restartCount = 0; start(); }
      return OK; // 304 on a running container: nothing to do
    case 'stop':
      if (live) exited(c.proc.hung ? 137 : 143, true, false);
      return OK; // 304 on a stopped container
    case 'kill':
      if (!live) return refuse('Cannot kill container: sut: container is not running');
      exited(137, true, false);
      return OK;
    case 'pause':
      if (c.status === 'paused') return refuse('container sut is already paused');
      if (c.status !== 'running') return refuse('container sut is not running');
      if (c.proc.hung) return refuse('cannot pause sut: unable to freeze');
      c.status = 'paused';
      return OK;
    case 'unpause':
      if (c.status !== 'paused') return refuse('container sut is not paused');
      c.status = 'running';
      return OK;
    default:
      return stimulus(cmd);
  }
}

function stimulus(cmd) {
  const known = ['alloc', 'write_mem', 'write_fs', 'exit', 'child_exit'];
  if (!known.includes(cmd.verb)) return refuse(`unknown command: ${cmd.verb}`);
  const refused = workload();
  if (refused) return refused;
  switch (cmd.verb) {
    case 'alloc': return alloc(cmd.code ?? 1);
    case 'write_mem': c.proc.memData = true; return OK;
    case 'write_fs': c.fsData = true; return OK;
    default: exited(cmd.code ?? 0, false, false); return OK; // a child's exit takes init along
  }
}

function settle() {
  if (c && c.restartPending) {
    c.restartCount += 1;
    start();
  }
  return OK;
}

function observe() {
  if (!c) return { status: 'none', resources: [], flags: {} };
  const p = c.proc;
  const resources = ['fs'];
  if (p) resources.push('mem', 'proc');
  if (p && c.status !== 'paused') resources.push('cpu');
  if (c.net) resources.push('net');
  return {
    status: c.restartPending ? 'restarting' : c.status,
    resources,
    flags: {
      hung: Boolean(p && p.hung), usage: p ? p.usage : 0, mem_data: Boolean(p && p.memData),
      fs_data: c.fsData, exit_code: c.exitCode, oom_killed: c.oomKilled,
      restart_count: c.restartCount,
    },
  };
}

function handle(req) {
  switch (req.op) {
    case 'reset': hostUnits = req.host_units; c = null; return OK;
    case 'apply': return apply(req.command);
    case 'settle': return settle();
    case 'observe': return observe();
    case 'close': return OK;
    default: return refuse(`unknown op: ${req.op}`);
  }
}

const rl = readline.createInterface({ input: process.stdin, terminal: false });
rl.on('line', (line) => {
  if (!line.trim()) return;
  let req;
  try {
    req = JSON.parse(line);
  } catch (e) {
    process.stdout.write(JSON.stringify(refuse(`bad request: ${e.message}`)) + '\n');
    return;
  }
  process.stdout.write(JSON.stringify(handle(req)) + '\n');
  if (req.op === 'close') process.exit(0);
});
