using Microsoft.Extensions.Options;

namespace Iteration.Streaming.TestUtilities;

/// <summary>An options monitor over one fixed value, for constructing components without a container.</summary>
public sealed class StaticOptionsMonitor<T>(T value) : IOptionsMonitor<T>
{
    public T CurrentValue { get; } = value;

    public T Get(string? name) => CurrentValue;

    public IDisposable? OnChange(Action<T, string?> listener) => null;
}
