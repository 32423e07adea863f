namespace Iteration.Streaming.Engine;

/// <summary>Why a run continues from saved phases: what its <c>resumed</c> event says.</summary>
public enum ResumeReason
{
    /// <summary>The run was interrupted (a restart, a shutdown, a storage failure) and continues here.</summary>
    Restart = 0,

    /// <summary>The run's owner went away (it stopped renewing, or handed the run over) and this instance continues it.</summary>
    Takeover = 1,

    /// <summary>A new generation retries a failed or cancelled one and reuses its saved phases.</summary>
    Retry = 2,

    /// <summary>A fork keeps the first phases of another generation and generates the rest.</summary>
    Fork = 3,
}
