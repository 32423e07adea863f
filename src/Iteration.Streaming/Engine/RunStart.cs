namespace Iteration.Streaming.Engine;

/// <summary>How a run begins: all take the same path; they differ in the events before the first phase they generate.</summary>
internal enum RunStart
{
    /// <summary>A new generation or iteration: <c>initializing</c>, <c>code_generation</c>, the plan, every phase.</summary>
    Fresh = 0,

    /// <summary>A run that was interrupted (restart, shutdown, lost owner) continues: <c>resumed</c>, then the unsaved phases.</summary>
    Resume = 1,

    /// <summary>A new generation that retries a failed or cancelled one: <c>initializing</c>, the plan, <c>resumed</c>, the unsaved phases.</summary>
    Retry = 2,
}
