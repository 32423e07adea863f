using Iteration.Streaming.Records;
using Iteration.Streaming.Sqlite.Records;
using Iteration.Streaming.Sqlite.Tests.Fixtures;
using Iteration.Streaming.TestUtilities;

namespace Iteration.Streaming.Sqlite.Tests.Records;

/// <summary>The owner's list is a walk of an index, never a scan or a sort of the user's records.</summary>
public sealed class SqliteOwnerIndexTests : IDisposable
{
    private readonly StoreHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void ListByUser_QueryPlan_WalksTheOwnerIndexWithoutSorting(bool after, bool status)
    {
        using var connection = _harness.OpenRaw();
        using var command = connection.CreateCommand();
        command.CommandText = "EXPLAIN QUERY PLAN " + (after ? RecordSql.ListByUserAfter : RecordSql.ListByUser);
        command.Parameters.AddWithValue("$user_id", "user");
        command.Parameters.AddWithValue("$status", status ? "failed" : DBNull.Value);
        command.Parameters.AddWithValue("$limit", 21);
        command.Parameters.AddWithValue("$after_ms", 1_000);
        command.Parameters.AddWithValue("$after_id", "id");

        var plan = new List<string>();
        using (var rows = command.ExecuteReader())
        {
            while (rows.Read())
            {
                plan.Add(rows.GetString(3));
            }
        }

        plan.Should().ContainSingle(d => d.Contains("USING INDEX records_by_user", StringComparison.Ordinal));
        plan.Should().NotContain(d => d.Contains("TEMP B-TREE", StringComparison.Ordinal));
        if (after)
        {
            plan.Should().Contain(d => d.Contains("(user_id=? AND (created_ms,generation_id)<(?,?))", StringComparison.Ordinal), "the position is a range of the index, not a filter");
        }
    }

    [Fact]
    public async Task ListByUserAsync_RecordWithoutUser_IsNotIndexed()
    {
        await _harness.Records.AddAsync(new GenerationRecord { GenerationId = "g", Prompt = "p", Entities = [], Status = "queued", CreatedAt = TestEvents.Epoch });

        _harness.Scalar("SELECT count(*) FROM records INDEXED BY records_by_user WHERE user_id IS NOT NULL").Should().Be(0);
        _harness.Scalar("SELECT created_ms FROM records WHERE generation_id = 'g'").Should().Be(TestEvents.Epoch.ToUnixTimeMilliseconds());
    }
}
