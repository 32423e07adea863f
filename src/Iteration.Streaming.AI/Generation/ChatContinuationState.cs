using System.Text.Json;
using System.Text.Json.Serialization;
using Iteration.Streaming.AI.Exchange;
using Iteration.Streaming.AI.Serialization;

namespace Iteration.Streaming.AI.Generation;

/// <summary>
/// The chat-client generator's resume state, checkpointed with each live report when background responses are on: the
/// model's latest continuation token and the parser's state at that point, so an interrupted phase reconnects to the
/// same response and rebuilds its parser exactly. UTF-8 JSON, snake_case:
/// <c>{"kind":"iteration-streaming/chat-continuation","version":1,"token":"base64","response_id":"resp_…",
/// "file":"src/a.ts","file_chars":1234,"pending":"&lt;/fi","at_content_start":false,"total_chars":5678,"files":2}</c>.
/// </summary>
internal sealed class ChatContinuationState
{
    /// <summary>What marks a state as this generator's (a state of another generator is foreign).</summary>
    public const string KindMarker = "iteration-streaming/chat-continuation";

    /// <summary>The format's version; another one is not read.</summary>
    public const int CurrentVersion = 1;

    /// <summary>The longest continuation token kept (bytes); a longer one is not checkpointed.</summary>
    public const int MaxTokenBytes = 16 * 1024;

    public string? Kind { get; set; }

    public int Version { get; set; }

    /// <summary>The last <c>ChatResponseUpdate.ContinuationToken</c>'s bytes.</summary>
    public byte[]? Token { get; set; }

    /// <summary>The response the token continues, when the client said.</summary>
    public string? ResponseId { get; set; }

    /// <summary>The file being written (the checkpoint's current file), or <see langword="null"/> between files.</summary>
    public string? File { get; set; }

    /// <summary>How many characters of it the checkpoint holds.</summary>
    public int FileChars { get; set; }

    /// <summary>The parser's undecided text (a possible tag) at the token.</summary>
    public string Pending { get; set; } = string.Empty;

    /// <summary>Whether the current file's content had not started (a line break after its open tag is still dropped).</summary>
    public bool AtContentStart { get; set; }

    /// <summary>The characters of the answer read up to the token.</summary>
    public long TotalChars { get; set; }

    /// <summary>The files the answer completed up to the token.</summary>
    public int Files { get; set; }

    /// <summary>The state of <paramref name="parser"/> at <paramref name="token"/>.</summary>
    public static ChatContinuationState Of(byte[] token, string? responseId, FileTagParser parser) => new()
    {
        Kind = KindMarker,
        Version = CurrentVersion,
        Token = token,
        ResponseId = responseId,
        File = parser.CurrentPath,
        FileChars = parser.CurrentLength,
        Pending = parser.Pending,
        AtContentStart = parser.AtContentStart,
        TotalChars = parser.TotalLength,
        Files = parser.FileCount,
    };

    public byte[] ToBytes() => JsonSerializer.SerializeToUtf8Bytes(this, AiJsonContext.Default.ChatContinuationState);

    /// <summary>Reads a checkpointed state; <see langword="false"/> with the reason (for the user) when it is corrupt or foreign.</summary>
    public static bool TryRead(ReadOnlyMemory<byte> bytes, out ChatContinuationState state, out string reason)
    {
        state = null!;
        ChatContinuationState? read;
        try
        {
            read = JsonSerializer.Deserialize(bytes.Span, AiJsonContext.Default.ChatContinuationState);
        }
        catch (JsonException)
        {
            reason = "the checkpoint's resume state is corrupt";
            return false;
        }

        if (read is null || !string.Equals(read.Kind, KindMarker, StringComparison.Ordinal))
        {
            reason = "the checkpoint's resume state is not the chat-client generator's";
            return false;
        }

        if (read.Version != CurrentVersion)
        {
            reason = $"the checkpoint's resume state has version {read.Version}, which this version does not read";
            return false;
        }

        if (read.Token is not { Length: > 0 and <= MaxTokenBytes } || read.FileChars < 0 || read.Files < 0 || read.TotalChars < 0
            || read.Pending is null || read.Pending.Length > FileTagParser.MaxPendingLength || (read.File is null && (read.FileChars > 0 || read.AtContentStart)))
        {
            reason = "the checkpoint's resume state is corrupt";
            return false;
        }

        state = read;
        reason = string.Empty;
        return true;
    }

    /// <summary>
    /// The sequence number in a continuation token, when the token is the OpenAI Responses client's
    /// (<c>{"responseId": …, "sequenceNumber": n}</c>); otherwise <see langword="null"/> (no order to check).
    /// </summary>
    public static int? SequenceNumber(ReadOnlySpan<byte> token)
    {
        try
        {
            var reader = new Utf8JsonReader(token);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isSequence = reader.ValueTextEquals("sequenceNumber"u8);
                if (!reader.Read())
                {
                    return null;
                }

                if (isSequence && reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var sequence))
                {
                    return sequence;
                }

                reader.Skip();
            }
        }
        catch (JsonException)
        {
        }

        return null;
    }
}
