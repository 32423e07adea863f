namespace Iteration.Streaming.Client.Watching;

/// <summary>
/// The generations of one watch set and which of them have delivered their terminal event: the set's watch ends when
/// the last one has.
/// </summary>
internal sealed class WatchMembers
{
    private readonly HashSet<string> _all;
    private readonly HashSet<string> _live;

    public WatchMembers(IEnumerable<string> generationIds)
    {
        _all = new HashSet<string>(generationIds, StringComparer.Ordinal);
        _live = new HashSet<string>(_all, StringComparer.Ordinal);
    }

    public int Count => _all.Count;

    public bool Contains(string generationId) => _all.Contains(generationId);

    /// <summary>Records a member's terminal event; true when it was the last member still live.</summary>
    public bool End(string generationId) => _live.Remove(generationId) && _live.Count == 0;
}
