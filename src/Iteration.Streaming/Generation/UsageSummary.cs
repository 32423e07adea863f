namespace Iteration.Streaming.Generation;

/// <summary>The wire shape of <c>partial_output.usage</c>.</summary>
internal sealed record UsageSummary
{
    public long InputTokens { get; init; }

    public long OutputTokens { get; init; }
}
