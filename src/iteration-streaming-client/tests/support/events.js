// Events shaped as the server sends them, for the pure tests.
export const plan = [
  { phase: 1, name: 'Core Infrastructure' },
  { phase: 2, name: 'User Entity' },
  { phase: 3, name: 'Task Entity' },
  { phase: 4, name: 'Support Files' },
  { phase: 5, name: 'Main Application' },
];

let clock = 1_800_000_000;

/** One event; `timestamp` advances one second per event unless given. */
export function event(stage, fields = {}) {
  clock += 1;
  return {
    generation_id: 'g-1',
    status: 'processing',
    stage,
    progress: 0.1,
    message: stage,
    timestamp: clock,
    ...fields,
  };
}

export const phaseInfo = (phase, fields = {}) => ({ total_phases: 5, current_phase: phase, entities_count: 2, phase, name: plan[phase - 1].name, ...fields });

/** The start of a run up to phase 3 running with one file (9 saved before). */
export function runToPhase3() {
  return [
    event('queued', { status: 'queued', progress: 0 }),
    event('initializing', { progress: 0.01 }),
    event('phased_generation_started', { progress: 0.05, phase_info: { total_phases: 5, current_phase: 0, entities_count: 2, phases: plan } }),
    event('phase_1_started', { progress: 0.05, phase_info: phaseInfo(1) }),
    event('phase_1_progress', { progress: 0.1, current_file: 'Program.cs', phase_info: phaseInfo(1, { files_generated: 1, total_files: 1 }) }),
    event('phase_1_complete', { progress: 0.2, phase_info: phaseInfo(1, { files_generated: 5, total_files: 5 }) }),
    event('phase_2_started', { progress: 0.2, phase_info: phaseInfo(2, { total_files: 5 }) }),
    event('phase_2_complete', { progress: 0.4, phase_info: phaseInfo(2, { files_generated: 4, total_files: 9 }) }),
    event('phase_3_started', { progress: 0.4, phase_info: phaseInfo(3) }),
    event('phase_3_progress', { progress: 0.45, current_file: 'src/Models/Task.cs', phase_info: phaseInfo(3, { files_generated: 1, total_files: 10 }) }),
  ];
}

/** A review gate as the server writes it: `awaiting_input` with the request (`kind` plan, or phase with its number). */
export function gate(kind, fields = {}, phases = plan) {
  const request = { kind, ...(kind === 'phase' ? { phase: fields.phase ?? 1 } : {}), phases, expires_at: clock + 86_400 };
  return event('awaiting_input', {
    status: 'awaiting_input',
    message: kind === 'plan' ? `Review the plan: ${phases.length} phases` : `Phase ${request.phase} saved: review before phase ${request.phase + 1}`,
    input_request: request,
    ...(kind === 'plan' ? { phase_info: { total_phases: phases.length, current_phase: 0, phases } } : {}),
    ...fields,
  });
}
