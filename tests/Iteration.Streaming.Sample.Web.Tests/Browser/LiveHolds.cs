using System.Collections.Concurrent;

namespace Iteration.Streaming.Sample.Web.Tests.Browser;

/// <summary>Where <see cref="HoldingLiveDemoGenerator"/> stops: after a given live report of a phase, in every run.</summary>
public sealed class LiveHolds
{
    private readonly ConcurrentDictionary<(int Phase, int Report), LiveHold> _holds = new();

    /// <summary>Holds every run after its <paramref name="report"/>th live report (from 1) of <paramref name="phase"/>.</summary>
    public LiveHold After(int phase, int report) => _holds.GetOrAdd((phase, report), _ => new LiveHold());

    internal LiveHold? Find(int phase, int report) => _holds.TryGetValue((phase, report), out var hold) ? hold : null;
}
