using System.Globalization;
using System.Text.Json;
using Iteration.Streaming.Events;
using Iteration.Streaming.Modes;
using Iteration.Streaming.Records;
using StackExchange.Redis;

namespace Iteration.Streaming.StackExchangeRedis.Records;

/// <summary>
/// How a <see cref="GenerationRecord"/> is laid out in its Redis hash: one field per property, lists, the mode and the
/// steering as JSON, times as Unix milliseconds; a field that is null or default is left out. The steering's revision is
/// also a field of its own (<see cref="SteeringRevision"/>), which the update script compares as text.
/// </summary>
internal static class RedisRecordFields
{
    public const string Owner = "owner";

    /// <summary>The steering's <see cref="RunSteering.Revision"/>, as invariant text; absent means 0.</summary>
    public const string SteeringRevision = "srev";

    /// <summary>The fields of a whole record (the owner included), as name/value pairs.</summary>
    public static List<RedisValue> Of(GenerationRecord record)
    {
        var fields = new List<RedisValue>
        {
            "prompt", record.Prompt,
            "entities", JsonSerializer.Serialize([.. record.Entities], RedisJsonContext.Default.StringArray),
            "status", record.Status,
            "created", record.CreatedAt.ToUnixTimeMilliseconds(),
            "saved", record.PhasesSaved,
            "attempts", record.Attempts,
            "files", record.FileCount,
            "bytes", record.TotalBytes,
        };
        Add(fields, "mprompt", record.ModificationPrompt);
        Add(fields, "parent", record.ParentGenerationId);
        Add(fields, "retry", record.RetryOf);
        Add(fields, "user", record.UserId);
        Add(fields, Owner, record.Owner);
        Add(fields, "mode", record.Mode is null ? null : JsonSerializer.Serialize(record.Mode, RedisJsonContext.Default.GenerationModeAssignment));
        Add(fields, "plan", record.Plan is null ? null : JsonSerializer.Serialize([.. record.Plan], RedisJsonContext.Default.PlannedPhaseArray));
        Add(fields, "ended", record.EndedAt?.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture));
        Add(fields, "interrupted", record.InterruptedAt?.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture));
        AddSteering(fields, record.Steering);
        return fields;
    }

    /// <summary>The fields an update sets, as name/value pairs (the status and the interruption's clearing go apart).</summary>
    public static List<RedisValue> Of(GenerationRecordUpdate update)
    {
        var fields = new List<RedisValue>();
        Add(fields, "plan", update.Plan is null ? null : JsonSerializer.Serialize([.. update.Plan], RedisJsonContext.Default.PlannedPhaseArray));
        Add(fields, "saved", update.PhasesSaved?.ToString(CultureInfo.InvariantCulture));
        Add(fields, "attempts", update.Attempts?.ToString(CultureInfo.InvariantCulture));
        Add(fields, Owner, update.Owner);
        Add(fields, "interrupted", update.InterruptedAt?.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture));
        Add(fields, "files", update.FileCount?.ToString(CultureInfo.InvariantCulture));
        Add(fields, "bytes", update.TotalBytes?.ToString(CultureInfo.InvariantCulture));
        AddSteering(fields, update.Steering);
        return fields;
    }

    /// <summary>A revision as the update script compares it with the stored <see cref="SteeringRevision"/>.</summary>
    public static string RevisionText(long revision) => revision.ToString(CultureInfo.InvariantCulture);

    /// <summary>Reads a record from its hash's fields; <see langword="null"/> when there are none (no record).</summary>
    /// <exception cref="InvalidDataException">The hash is not a readable record.</exception>
    public static GenerationRecord? Read(string generationId, HashEntry[] entries)
    {
        if (entries.Length == 0)
        {
            return null;
        }

        var values = new Dictionary<string, RedisValue>(entries.Length, StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            values[(string)entry.Name!] = entry.Value;
        }

        if (!values.TryGetValue("prompt", out var prompt))
        {
            throw new InvalidDataException($"The record of generation '{generationId}' in Redis has no prompt.");
        }

        try
        {
            return new GenerationRecord
            {
                GenerationId = generationId,
                Prompt = (string)prompt!,
                ModificationPrompt = Text(values, "mprompt"),
                ParentGenerationId = Text(values, "parent"),
                RetryOf = Text(values, "retry"),
                UserId = Text(values, "user"),
                Entities = Text(values, "entities") is { } entities ? JsonSerializer.Deserialize(entities, RedisJsonContext.Default.StringArray) ?? [] : [],
                Mode = Text(values, "mode") is { } mode ? JsonSerializer.Deserialize(mode, RedisJsonContext.Default.GenerationModeAssignment) : null,
                Plan = Text(values, "plan") is { } plan ? JsonSerializer.Deserialize(plan, RedisJsonContext.Default.PlannedPhaseArray) : null,
                PhasesSaved = (int)Number(values, "saved"),
                Attempts = (int)Number(values, "attempts"),
                Status = Text(values, "status") ?? GenerationStatus.Queued,
                CreatedAt = Time(values, "created") ?? DateTimeOffset.UnixEpoch,
                EndedAt = Time(values, "ended"),
                InterruptedAt = Time(values, "interrupted"),
                Owner = Text(values, Owner),
                FileCount = (int)Number(values, "files"),
                TotalBytes = Number(values, "bytes"),
                Steering = Text(values, "steering") is { } steering ? JsonSerializer.Deserialize(steering, RedisJsonContext.Default.RunSteering) : null,
            };
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"The record of generation '{generationId}' in Redis has an unreadable field.", ex);
        }
    }

    /// <summary>Reads the flat field/value array that HGETALL returns inside a script.</summary>
    public static GenerationRecord? Read(string generationId, RedisResult result)
    {
        if (result.IsNull)
        {
            return null;
        }

        var flat = (RedisValue[])result!;
        var entries = new HashEntry[flat.Length / 2];
        for (var i = 0; i < entries.Length; i++)
        {
            entries[i] = new HashEntry(flat[2 * i], flat[(2 * i) + 1]);
        }

        return Read(generationId, entries);
    }

    private static void AddSteering(List<RedisValue> fields, RunSteering? steering)
    {
        if (steering is not null)
        {
            Add(fields, "steering", JsonSerializer.Serialize(steering, RedisJsonContext.Default.RunSteering));
            Add(fields, SteeringRevision, RevisionText(steering.Revision));
        }
    }

    private static void Add(List<RedisValue> fields, string name, string? value)
    {
        if (value is not null)
        {
            fields.Add(name);
            fields.Add(value);
        }
    }

    private static string? Text(Dictionary<string, RedisValue> values, string name) =>
        values.TryGetValue(name, out var value) && !value.IsNull ? (string?)value : null;

    private static long Number(Dictionary<string, RedisValue> values, string name) =>
        values.TryGetValue(name, out var value) && value.TryParse(out long number) ? number : 0;

    private static DateTimeOffset? Time(Dictionary<string, RedisValue> values, string name) =>
        values.TryGetValue(name, out var value) && value.TryParse(out long milliseconds) ? DateTimeOffset.FromUnixTimeMilliseconds(milliseconds) : null;
}
