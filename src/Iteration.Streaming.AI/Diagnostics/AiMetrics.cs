using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Iteration.Streaming.AI.Diagnostics;

/// <summary>
/// The AI package's instruments on the <c>Iteration.Streaming</c> meter: created through <see cref="IMeterFactory"/>
/// when the host registered one, otherwise on a meter this class owns.
/// </summary>
internal sealed class AiMetrics : IDisposable
{
    /// <summary>The meter's name, shared with the core package.</summary>
    public const string MeterName = "Iteration.Streaming";

    public const string TokensName = "iteration.streaming.ai.tokens";
    public const string TokenTypeTag = "token.type";
    public const string InputTokenType = "input";
    public const string OutputTokenType = "output";

    private readonly Meter? _ownedMeter;
    private readonly Counter<long> _tokens;

    public AiMetrics(IMeterFactory? meterFactory = null)
    {
        var meter = meterFactory is null ? _ownedMeter = new Meter(MeterName) : meterFactory.Create(MeterName);
        _tokens = meter.CreateCounter<long>(TokensName, "{token}", "Model tokens spent by the chat-client phase generator, by token type (input or output).");
    }

    public void TokensUsed(long inputTokens, long outputTokens)
    {
        if (inputTokens > 0)
        {
            _tokens.Add(inputTokens, new TagList { { TokenTypeTag, InputTokenType } });
        }

        if (outputTokens > 0)
        {
            _tokens.Add(outputTokens, new TagList { { TokenTypeTag, OutputTokenType } });
        }
    }

    public void Dispose() => _ownedMeter?.Dispose();
}
