namespace Iteration.Streaming.Runs;

/// <summary>How a run begins: all take the same path; they differ in the events before the first phase they generate.</summary>
internal enum RunStart
{
    /// <summary>A new generation or iteration: <c>initializing</c>, <c>code_generation</c>, the plan, every phase.</summary>
    Fresh = 0,

    /// <summary>A run that was interrupted (restart, shutdown) continues here: <c>resumed</c>, then the unsaved phases.</summary>
    Resume = 1,

    /// <summary>A new generation that retries a failed or cancelled one: <c>initializing</c>, the plan, <c>resumed</c>, the unsaved phases.</summary>
    Retry = 2,

    /// <summary>
    /// A run whose owner went away (it stopped renewing, or handed the run over) continues on this instance: the same
    /// as <see cref="Resume"/>, with its own wording.
    /// </summary>
    Takeover = 3,

    /// <summary>
    /// A run that stopped at a review gate continues after its user's input (on any instance): its <c>input_received</c>
    /// is the event before the next phase; no <c>resumed</c>.
    /// </summary>
    Continue = 4,

    /// <summary>
    /// A run that failed transiently (the model unavailable) continues from its last saved phase after its backoff: the
    /// <c>resumed</c> event naming the cause and the attempt was appended when it failed, so none is sent now.
    /// </summary>
    AutoRetry = 5,

    /// <summary>A new generation that forks another from a saved phase: <c>initializing</c>, the plan, <c>resumed</c>, the later phases.</summary>
    Fork = 6,
}

/// <summary>What each way of starting implies.</summary>
internal static class RunStarts
{
    /// <summary>Whether the run continues a log that has events already (it emits no <c>initializing</c>).</summary>
    public static bool ContinuesLog(this RunStart start) => start is RunStart.Resume or RunStart.Takeover or RunStart.Continue or RunStart.AutoRetry;

    /// <summary>Whether the run says <c>resumed</c> before its first phase (it lost or reuses work: not after an input).</summary>
    public static bool SaysResumed(this RunStart start) => start is RunStart.Resume or RunStart.Takeover or RunStart.Retry or RunStart.Fork;
}
