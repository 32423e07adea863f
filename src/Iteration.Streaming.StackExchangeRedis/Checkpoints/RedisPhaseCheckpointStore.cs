using System.Buffers;
using System.Globalization;
using System.Text;
using Iteration.Streaming.Checkpoints;
using Iteration.Streaming.Files;
using Iteration.Streaming.Generation;
using Iteration.Streaming.StackExchangeRedis.Connections;
using Iteration.Streaming.StackExchangeRedis.Scripts;
using StackExchange.Redis;

namespace Iteration.Streaming.StackExchangeRedis.Checkpoints;

/// <summary>
/// Phase checkpoints in Redis, shared by every instance, so a run taken over by another instance continues inside the
/// phase. Each write is one script (<see cref="RedisScripts.WriteCheckpoint"/>): it checks the delta's offset against
/// the stored text's length and applies the write in the same step, or changes nothing; it costs what changed (the delta
/// is APPENDed, a new file is one hash field and one list entry). The keys carry the generation's hash tag and, like
/// the generation's other keys, never expire on their own: a saved phase, <see cref="DeleteAsync"/>, the log's deletion
/// and the engine's retention remove them.
/// </summary>
internal sealed class RedisPhaseCheckpointStore(RedisScriptGateway scripts) : IPhaseCheckpointStore
{
    public async ValueTask WriteAsync(PhaseCheckpointWrite write, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(write);
        ArgumentException.ThrowIfNullOrEmpty(write.GenerationId, nameof(write));
        if (!RedisKeys.IsValidGenerationId(write.GenerationId))
        {
            throw new ArgumentException(
                $"A generation id must be at most {RedisKeys.MaxGenerationIdLength} characters, without braces or control characters.", nameof(write));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(write.Offset, nameof(write));
        if (write.Files is null || write.Text is null)
        {
            throw new ArgumentException("A checkpoint write needs its Files and Text (empty when none).", nameof(write));
        }

        if (write.CurrentFile is { } current && !IsPath(current))
        {
            throw new ArgumentException("The checkpoint write's CurrentFile must be a path of well-formed UTF-16 (a lone surrogate would not survive Redis).", nameof(write));
        }

        var files = new RedisValue[write.Overflowed ? 0 : 2 * write.Files.Count];
        for (var i = 0; i < files.Length / 2; i++)
        {
            var file = write.Files[i];
            if (file is null || !IsPath(file.Path))
            {
                throw new ArgumentException("Every file of a checkpoint write needs a Path of well-formed UTF-16 (a lone surrogate would not survive Redis).", nameof(write));
            }

            files[2 * i] = file.Path;
            files[(2 * i) + 1] = CheckpointFileCodec.Encode(file);
        }

        cancellationToken.ThrowIfCancellationRequested();
        var text = write.Overflowed || write.CurrentFile is null ? [] : Utf16Bytes.From(write.Text);
        var (applied, expected) = await scripts.WriteCheckpointAsync(write, text, files, cancellationToken).ConfigureAwait(false);
        if (!applied)
        {
            throw new PhaseCheckpointConflictException(string.Create(
                CultureInfo.InvariantCulture,
                $"The checkpoint of generation '{write.GenerationId}' holds {expected} characters of its current file, but the write starts at {write.Offset}."));
        }
    }

    public async ValueTask<PhaseCheckpoint?> ReadAsync(string generationId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(generationId);
        cancellationToken.ThrowIfCancellationRequested();
        if (!RedisKeys.IsValidGenerationId(generationId))
        {
            return null;
        }

        var reply = await scripts.ReadCheckpointAsync(generationId, cancellationToken).ConfigureAwait(false);
        return reply is null ? null : Read(generationId, reply);
    }

    public async ValueTask DeleteAsync(string generationId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(generationId);
        cancellationToken.ThrowIfCancellationRequested();
        if (RedisKeys.IsValidGenerationId(generationId))
        {
            await scripts.DeleteCheckpointAsync(generationId, cancellationToken).ConfigureAwait(false);
        }
    }

    private PhaseCheckpoint Read(string generationId, RedisResult[] reply)
    {
        var head = (RedisResult[])reply[0]!;
        var textBytes = (byte[]?)reply[1] ?? [];
        var paths = (RedisResult[])reply[2]!;
        var stored = (RedisResult[])reply[3]!;
        if (textBytes.Length % 2 != 0 || !Number(head[0], out var phase) || !Number(head[1], out var attempt)
            || !Number(head[4], out var sequence) || !Number(head[5], out var ticks) || ticks < DateTimeOffset.MinValue.UtcTicks || ticks > DateTimeOffset.MaxValue.UtcTicks)
        {
            throw Damaged(generationId, "its head or text is not what this package writes");
        }

        var files = new List<GeneratedFile>(paths.Length);
        for (var i = 0; i < paths.Length; i++)
        {
            var path = (string?)paths[i];
            var bytes = (byte[]?)stored[i];
            if (path is null || bytes is null || CheckpointFileCodec.Decode(path, bytes) is not { } file)
            {
                throw Damaged(generationId, $"its file #{i + 1} is not what this package writes");
            }

            files.Add(file);
        }

        var text = string.Create(textBytes.Length / 2, textBytes, static (span, bytes) => Utf16Bytes.CopyTo(bytes, span));
        return new PhaseCheckpoint
        {
            Phase = (int)phase,
            Attempt = (int)attempt,
            Files = files,
            CurrentFile = (string?)head[2],
            CurrentText = text,
            ResumeState = (byte[]?)head[3] ?? ReadOnlyMemory<byte>.Empty,
            Sequence = sequence,
            WrittenAt = new DateTimeOffset(ticks, TimeSpan.Zero),
            Overflowed = !head[6].IsNull,
        };
    }

    private static bool Number(RedisResult value, out long number) =>
        long.TryParse((string?)value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out number);

    /// <summary>A lone surrogate would not survive the UTF-8 round trip through Redis, so the path read back would differ.</summary>
    private static bool IsPath(string? path)
    {
        if (string.IsNullOrEmpty(path))
        {
            return false;
        }

        var rest = path.AsSpan();
        while (!rest.IsEmpty)
        {
            if (Rune.DecodeFromUtf16(rest, out _, out var consumed) != OperationStatus.Done)
            {
                return false;
            }

            rest = rest[consumed..];
        }

        return true;
    }

    private InvalidDataException Damaged(string generationId, string detail) =>
        new($"The checkpoint of generation '{generationId}' under the Redis key prefix '{scripts.Keys.Prefix}' is damaged: {detail}.");
}
