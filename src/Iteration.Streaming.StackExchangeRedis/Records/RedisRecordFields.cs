using System.Globalization;
using System.Text.Json;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Events;
using Iteration.Streaming.Modes;
using Iteration.Streaming.Records;
using StackExchange.Redis;

namespace Iteration.Streaming.StackExchangeRedis.Records;

/// <summary>
/// How a <see cref="GenerationRecord"/> is laid out in its Redis hash: one field per property, lists, the mode and the
/// steering, budget, usage, cost and revert as JSON, times as Unix milliseconds; a field that is null or default is left out. The steering's revision is
/// also a field of its own (<see cref="SteeringRevision"/>), which the update script compares as text.
/// </summary>
internal static class RedisRecordFields
{
    public const string Owner = "owner";

    /// <summary>The user (<see cref="GenerationRecord.UserId"/>); with <see cref="Created"/> it names the record's entry in the user's index.</summary>
    public const string User = "user";

    /// <summary>The creation time (Unix ms).</summary>
    public const string Created = "created";

    /// <summary>When an automatic retry is due (Unix ms); the update script deletes it to clear it.</summary>
    public const string RetryAt = "retry_at";

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
            Created, record.CreatedAt.ToUnixTimeMilliseconds(),
            "saved", record.PhasesSaved,
            "attempts", record.Attempts,
            "files", record.FileCount,
            "bytes", record.TotalBytes,
        };
        Add(fields, "mprompt", record.ModificationPrompt);
        Add(fields, "parent", record.ParentGenerationId);
        Add(fields, "retry", record.RetryOf);
        Add(fields, User, record.UserId);
        Add(fields, Owner, record.Owner);
        Add(fields, "mode", record.Mode is null ? null : JsonSerializer.Serialize(record.Mode, RedisJsonContext.Default.GenerationModeAssignment));
        Add(fields, "plan", record.Plan is null ? null : JsonSerializer.Serialize([.. record.Plan], RedisJsonContext.Default.PlannedPhaseArray));
        Add(fields, "ended", record.EndedAt?.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture));
        Add(fields, "interrupted", record.InterruptedAt?.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture));
        AddSteering(fields, record.Steering);
        AddSpend(fields, record.Budget, record.Usage, record.Cost);
        Add(fields, "stage", record.Stage);
        Add(fields, "progress", record.Progress == 0 ? null : record.Progress.ToString("R", CultureInfo.InvariantCulture));
        Add(fields, RetryAt, record.RetryAt?.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture));
        Add(fields, "auto_retries", record.AutoRetries == 0 ? null : record.AutoRetries.ToString(CultureInfo.InvariantCulture));

        // Set at creation only: no update changes them, so the update script never writes them.
        Add(fields, "forked_from", record.ForkedFrom);
        Add(fields, "from_phase", record.FromPhase?.ToString(CultureInfo.InvariantCulture));
        Add(fields, "revert", record.Revert is null ? null : JsonSerializer.Serialize(record.Revert, RedisJsonContext.Default.GenerationRevert));
        return fields;
    }

    /// <summary>The fields an update sets, as name/value pairs (the status, and the clearing of the interruption and of the retry time, go apart).</summary>
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
        AddSpend(fields, update.Budget, update.Usage, update.Cost);
        Add(fields, "stage", update.Stage);
        Add(fields, "progress", update.Progress?.ToString("R", CultureInfo.InvariantCulture));
        Add(fields, RetryAt, update.ClearRetryAt ? null : update.RetryAt?.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture));
        Add(fields, "auto_retries", update.AutoRetries?.ToString(CultureInfo.InvariantCulture));
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
                Budget = Text(values, "budget") is { } budget ? JsonSerializer.Deserialize(budget, RedisJsonContext.Default.GenerationBudget) : null,
                Usage = Text(values, "usage") is { } usage ? JsonSerializer.Deserialize(usage, RedisJsonContext.Default.GenerationUsage) : null,
                Cost = Text(values, "cost") is { } cost ? JsonSerializer.Deserialize(cost, RedisJsonContext.Default.GenerationCost) : null,
                Stage = Text(values, "stage"),
                Progress = Text(values, "progress") is { } progress ? double.Parse(progress, NumberStyles.Float, CultureInfo.InvariantCulture) : 0,
                RetryAt = Time(values, RetryAt),
                AutoRetries = (int)Number(values, "auto_retries"),
                ForkedFrom = Text(values, "forked_from"),
                FromPhase = Text(values, "from_phase") is { } fromPhase ? int.Parse(fromPhase, NumberStyles.None, CultureInfo.InvariantCulture) : null,
                Revert = Text(values, "revert") is { } revert ? JsonSerializer.Deserialize(revert, RedisJsonContext.Default.GenerationRevert) : null,
            };
        }
        catch (Exception ex) when (ex is JsonException or FormatException or OverflowException)
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

    private static void AddSpend(List<RedisValue> fields, GenerationBudget? budget, GenerationUsage? usage, GenerationCost? cost)
    {
        Add(fields, "budget", budget is null ? null : JsonSerializer.Serialize(budget, RedisJsonContext.Default.GenerationBudget));
        Add(fields, "usage", usage is null ? null : JsonSerializer.Serialize(usage, RedisJsonContext.Default.GenerationUsage));
        Add(fields, "cost", cost is null ? null : JsonSerializer.Serialize(cost, RedisJsonContext.Default.GenerationCost));
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
