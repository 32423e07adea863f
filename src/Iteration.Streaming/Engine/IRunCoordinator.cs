namespace Iteration.Streaming.Engine;

/// <summary>
/// Coordinates runs between app instances that share generations (through Redis, say): who owns a run, and how a cancel
/// requested on one instance reaches the instance running it. With one instance (<see cref="LocalRunCoordinator"/>)
/// every run is local and this does nothing.
/// </summary>
internal interface IRunCoordinator
{
    /// <summary>This instance's name, recorded as the owner of the runs it admits; <see langword="null"/> when alone.</summary>
    string? InstanceName { get; }

    /// <summary>
    /// Keeps this instance's ownership of a run it admitted (its record names this instance as owner) until the returned
    /// registration is disposed, after the run's terminal event. <paramref name="stop"/> is called when the run must stop:
    /// <see cref="CancelReason.User"/> for a cancel requested on another instance, <see cref="CancelReason.OwnershipLost"/>
    /// when another instance has ended it.
    /// </summary>
    IDisposable Hold(string generationId, Action<CancelReason> stop);

    /// <summary>Asks the instance running <paramref name="generationId"/> to cancel it.</summary>
    /// <returns><see langword="true"/> when the run was still going and the request was recorded.</returns>
    ValueTask<bool> RequestCancelAsync(string generationId, CancellationToken cancellationToken = default);
}
