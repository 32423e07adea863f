using System.Net;
using System.Text.Json;
using CsCheck;
using Iteration.Streaming.AspNetCore.Tests.Fuzzing;
using Iteration.Streaming.Events;

namespace Iteration.Streaming.AspNetCore.Tests.Owners;

/// <summary>
/// Property-based fuzzing of <c>GET /generations?owner=me</c>: whatever the owner, status, limit and cursor (mixed with
/// genuine cursors, changed ones and other users'), the answer is 200 or a 400 Problem Details; never a 5xx, and never
/// another user's generation. A failure prints CsCheck's seed.
/// </summary>
public sealed class ListFuzzTests : IAsyncLifetime
{
    private const int Iterations = 100;

    private SignedInHost _host = null!;
    private HttpClient _alice = null!;
    private readonly List<string> _cursors = [];
    private readonly HashSet<string> _bobs = [];

    public async Task InitializeAsync()
    {
        _host = await SignedInHost.StartAsync();
        _alice = await _host.SignInAsync("alice");
        var bob = await _host.SignInAsync("bob");
        var start = new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);
        for (var i = 0; i < 6; i++)
        {
            await _host.AddGenerationAsync("alice", start.AddMinutes(i), i % 2 == 0 ? GenerationStatus.Completed : GenerationStatus.Failed);
            _bobs.Add(await _host.AddGenerationAsync("bob", start.AddMinutes(i), GenerationStatus.Completed));
        }

        foreach (var (client, query) in new[] { (_alice, "owner=me&limit=1"), (_alice, "owner=me&limit=1&status=failed"), (bob, "owner=me&limit=2") })
        {
            using var json = JsonDocument.Parse(await client.GetStringAsync("generations?" + query));
            _cursors.Add(json.RootElement.GetProperty("next_cursor").GetString()!);
        }
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private static Gen<string> Values(params string[] genuine) => Gen.Frequency(
        (3, Gen.Int[0, genuine.Length - 1].Select(i => genuine[i])),
        (2, FuzzGen.Text(40)),
        (1, FuzzGen.Text(700)));

    private Gen<string> Cursors => Gen.Frequency(
        (2, Gen.Int[0, _cursors.Count - 1].Select(i => _cursors[i])),
        (2, Gen.Select(Gen.Int[0, _cursors.Count - 1], Gen.Int[0, 200], Gen.Char['-', 'z'], (i, at, c) =>
        {
            var chars = _cursors[i].ToCharArray();
            chars[at % chars.Length] = c;
            return new string(chars);
        })),
        (2, FuzzGen.Text(100)),
        (1, FuzzGen.Text(600)));

    [Fact]
    public async Task List_AnyQuery_Answers200WithOnlyTheCallersOwnOrA400Problem()
    {
        var parameters = Gen.Select(
            Values("me", "you", string.Empty),
            Values("completed", "failed", "queued", string.Empty),
            Values("1", "2", "100", "0", "101", "-1", string.Empty),
            Cursors,
            Gen.Int[0, 15]);

        await parameters.SampleAsync(async (owner, status, limit, cursor, omit) =>
        {
            var query = string.Join('&', new[]
            {
                (omit & 1) == 0 ? "owner=" + Uri.EscapeDataString(owner) : null,
                (omit & 2) == 0 ? "status=" + Uri.EscapeDataString(status) : null,
                (omit & 4) == 0 ? "limit=" + Uri.EscapeDataString(limit) : null,
                (omit & 8) == 0 ? "cursor=" + Uri.EscapeDataString(cursor) : null,
            }.Where(p => p is not null));

            using var response = await _alice.GetAsync("generations?" + query);
            var body = await response.Content.ReadAsStringAsync();
            var what = $"?{query} answered {(int)response.StatusCode}: {body}";

            response.StatusCode.Should().BeOneOf([HttpStatusCode.OK, HttpStatusCode.BadRequest], what);
            using var json = JsonDocument.Parse(body);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                json.RootElement.GetProperty("generations").EnumerateArray()
                    .Select(g => g.GetProperty("generation_id").GetString()).Should().NotIntersectWith(_bobs, what);
            }
            else
            {
                response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json", what);
                json.RootElement.GetProperty("detail").GetString().Should().MatchRegex("'(owner|status|limit|cursor)'", what);
            }
        }, iter: Iterations);
    }
}
