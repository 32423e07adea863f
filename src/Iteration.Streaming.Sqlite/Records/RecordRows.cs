using System.Text.Json;
using Iteration.Streaming.Events;
using Iteration.Streaming.Modes;
using Iteration.Streaming.Records;
using Iteration.Streaming.Sqlite.Storage;
using Microsoft.Data.Sqlite;

namespace Iteration.Streaming.Sqlite.Records;

/// <summary>
/// A <see cref="GenerationRecord"/> as a row: plain columns for what is queried or read by hand, JSON for the entities,
/// plan, mode, steering, budget, usage, cost and revert (with the steering's revision beside it, for the compare of TryUpdateSteeringAsync), times as
/// UTC ticks (exact to the tick).
/// </summary>
internal static class RecordRows
{
    public static SqliteCommand BindAll(SqliteCommand command, GenerationRecord record) => BindChangeable(command, record)
        .With("$parent", record.ParentGenerationId)
        .With("$retry_of", record.RetryOf)
        .With("$prompt", record.Prompt)
        .With("$modification_prompt", record.ModificationPrompt)
        .With("$entities", JsonSerializer.Serialize([.. record.Entities], SqliteJsonContext.Default.StringArray))
        .With("$user_id", record.UserId)
        .With("$mode", record.Mode is null ? null : JsonSerializer.Serialize(record.Mode, SqliteJsonContext.Default.GenerationModeAssignment))
        .With("$forked_from", record.ForkedFrom)
        .With("$from_phase", record.FromPhase)
        .With("$revert", record.Revert is null ? null : JsonSerializer.Serialize(record.Revert, SqliteJsonContext.Default.GenerationRevert))
        .With("$created_at", record.CreatedAt.UtcTicks)
        .With("$created_ms", record.CreatedAt.ToUnixTimeMilliseconds());

    /// <summary>Binds the columns an update may change (<see cref="GenerationRecords.Apply"/>).</summary>
    public static SqliteCommand BindChangeable(SqliteCommand command, GenerationRecord record) => command
        .With("$id", record.GenerationId)
        .With("$plan", record.Plan is null ? null : JsonSerializer.Serialize([.. record.Plan], SqliteJsonContext.Default.PlannedPhaseArray))
        .With("$phases_saved", record.PhasesSaved)
        .With("$attempts", record.Attempts)
        .With("$status", record.Status)
        .With("$ended", GenerationStatus.IsTerminal(record.Status) ? 1 : 0)
        .With("$ended_at", record.EndedAt?.UtcTicks)
        .With("$interrupted_at", record.InterruptedAt?.UtcTicks)
        .With("$owner", record.Owner)
        .With("$file_count", record.FileCount)
        .With("$total_bytes", record.TotalBytes)
        .With("$steering", record.Steering is null ? null : JsonSerializer.Serialize(record.Steering, SqliteJsonContext.Default.RunSteering))
        .With("$steering_revision", GenerationRecords.SteeringRevision(record))
        .With("$budget", record.Budget is null ? null : JsonSerializer.Serialize(record.Budget, SqliteJsonContext.Default.GenerationBudget))
        .With("$usage", record.Usage is null ? null : JsonSerializer.Serialize(record.Usage, SqliteJsonContext.Default.GenerationUsage))
        .With("$cost", record.Cost is null ? null : JsonSerializer.Serialize(record.Cost, SqliteJsonContext.Default.GenerationCost))
        .With("$stage", record.Stage)
        .With("$progress", record.Progress)
        .With("$retry_at", record.RetryAt?.UtcTicks)
        .With("$auto_retries", record.AutoRetries);

    /// <summary>Reads the record at the reader's current row (columns in <see cref="RecordSql"/> order).</summary>
    public static GenerationRecord Read(SqliteDataReader row, string path)
    {
        var generationId = row.GetString(0);
        try
        {
            return new GenerationRecord
            {
                GenerationId = generationId,
                ParentGenerationId = Text(row, 1),
                RetryOf = Text(row, 2),
                Prompt = row.GetString(3),
                ModificationPrompt = Text(row, 4),
                Entities = JsonSerializer.Deserialize(row.GetString(5), SqliteJsonContext.Default.StringArray) ?? [],
                UserId = Text(row, 6),
                Mode = Text(row, 7) is { } mode ? JsonSerializer.Deserialize(mode, SqliteJsonContext.Default.GenerationModeAssignment) : null,
                Plan = Text(row, 8) is { } plan ? JsonSerializer.Deserialize(plan, SqliteJsonContext.Default.PlannedPhaseArray) : null,
                PhasesSaved = row.GetInt32(9),
                Attempts = row.GetInt32(10),
                Status = row.GetString(11),
                CreatedAt = Time(row, 13)!.Value,
                EndedAt = Time(row, 14),
                InterruptedAt = Time(row, 15),
                Owner = Text(row, 16),
                FileCount = row.GetInt32(17),
                TotalBytes = row.GetInt64(18),
                Steering = Text(row, 19) is { } steering ? JsonSerializer.Deserialize(steering, SqliteJsonContext.Default.RunSteering) : null,
                Budget = Text(row, 21) is { } budget ? JsonSerializer.Deserialize(budget, SqliteJsonContext.Default.GenerationBudget) : null,
                Usage = Text(row, 22) is { } usage ? JsonSerializer.Deserialize(usage, SqliteJsonContext.Default.GenerationUsage) : null,
                Cost = Text(row, 23) is { } cost ? JsonSerializer.Deserialize(cost, SqliteJsonContext.Default.GenerationCost) : null,
                Stage = Text(row, 24),
                Progress = row.GetDouble(25),
                RetryAt = Time(row, 26),
                AutoRetries = row.GetInt32(27),
                ForkedFrom = Text(row, 28),
                FromPhase = row.IsDBNull(29) ? null : row.GetInt32(29),
                Revert = Text(row, 30) is { } revert ? JsonSerializer.Deserialize(revert, SqliteJsonContext.Default.GenerationRevert) : null,
            };
        }
        catch (Exception ex) when (ex is JsonException or InvalidCastException or FormatException or ArgumentOutOfRangeException)
        {
            throw new InvalidDataException($"The record of generation '{generationId}' in the SQLite store '{path}' is not readable: the file is damaged.", ex);
        }
    }

    private static string? Text(SqliteDataReader row, int ordinal) => row.IsDBNull(ordinal) ? null : row.GetString(ordinal);

    private static DateTimeOffset? Time(SqliteDataReader row, int ordinal) =>
        row.IsDBNull(ordinal) ? null : new DateTimeOffset(row.GetInt64(ordinal), TimeSpan.Zero);
}
