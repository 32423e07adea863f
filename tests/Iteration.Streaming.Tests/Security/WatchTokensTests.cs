using System.Buffers.Text;
using FluentAssertions;
using Iteration.Streaming.Events;
using Iteration.Streaming.Hosting;
using Iteration.Streaming.Records;
using Iteration.Streaming.Security;
using Iteration.Streaming.TestUtilities;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Iteration.Streaming.Tests.Security;

public sealed class WatchTokensTests
{
    private const string Key = "an-example-signing-key-of-at-least-32-characters";

    private readonly FakeTimeProvider _clock = new(TestEvents.Epoch);
    private readonly IterationStreamingOptions _options = new() { SigningKey = Key };
    private readonly InMemoryGenerationRecordStore _records;
    private readonly WatchTokens _tokens;

    public WatchTokensTests()
    {
        _records = new InMemoryGenerationRecordStore(_clock);
        _tokens = Create(_options);
    }

    [Fact]
    public async Task ValidateAsync_IssuedToken_GivesTheMembersInOrderWithTheirRecords()
    {
        var ids = new[] { await LiveAsync(), await LiveAsync("custom_id-1"), await LiveAsync() };

        var check = await _tokens.ValidateAsync(_tokens.Issue(ids), CancellationToken.None);

        check.Status.Should().Be(StreamTokenStatus.Valid);
        check.GenerationIds.Should().Equal(ids);
        check.Records.Select(static r => r!.GenerationId).Should().Equal(ids);
        check.SetHash.Should().HaveCount(32);
    }

    [Fact]
    public void Issue_HundredUuids_FitsInAUrl()
    {
        var ids = Enumerable.Range(0, 100).Select(static _ => Guid.NewGuid().ToString()).ToArray();

        var token = _tokens.Issue(ids);

        token.Should().NotBeNull();
        token!.Length.Should().BeLessThan(2_500);
    }

    [Fact]
    public void Issue_IdsTooLongTogether_AnswersNull()
    {
        var ids = Enumerable.Range(0, 60).Select(static i => new string('a', 120) + i).ToArray();

        _tokens.Issue(ids).Should().BeNull();
    }

    [Theory]
    [InlineData(null, StreamTokenStatus.Missing)]
    [InlineData("", StreamTokenStatus.Missing)]
    [InlineData("no-dot", StreamTokenStatus.Malformed)]
    [InlineData("a.b.c", StreamTokenStatus.Malformed)]
    [InlineData("!!!.abc", StreamTokenStatus.Malformed)]
    [InlineData(".abc", StreamTokenStatus.Malformed)]
    public async Task ValidateAsync_GarbageToken_IsRefusedWithoutThrowing(string? token, StreamTokenStatus expected)
    {
        (await _tokens.ValidateAsync(token, CancellationToken.None)).Status.Should().Be(expected);
    }

    [Fact]
    public async Task ValidateAsync_TamperedPayload_IsInvalidSignature()
    {
        var token = _tokens.Issue([await LiveAsync(), await LiveAsync()])!;
        var dot = token.IndexOf('.');
        var payload = Base64Url.DecodeFromChars(token.AsSpan(0, dot));
        payload[^1] ^= 1;

        var check = await _tokens.ValidateAsync(Base64Url.EncodeToString(payload) + token[dot..], CancellationToken.None);

        check.Status.Should().Be(StreamTokenStatus.InvalidSignature);
    }

    [Fact]
    public async Task ValidateAsync_TruncatedOrOversized_IsMalformed()
    {
        var token = _tokens.Issue([await LiveAsync()])!;

        (await _tokens.ValidateAsync(token[..^3], CancellationToken.None)).Status.Should().BeOneOf(StreamTokenStatus.Malformed, StreamTokenStatus.InvalidSignature);
        (await _tokens.ValidateAsync(token + new string('A', WatchTokens.MaxTokenLength), CancellationToken.None)).Status.Should().Be(StreamTokenStatus.Malformed);
    }

    [Fact]
    public async Task ValidateAsync_TokenOfAnotherKey_IsInvalidSignature()
    {
        var id = await LiveAsync();
        var foreign = Create(new IterationStreamingOptions { SigningKey = "another-signing-key-of-at-least-32-characters!" }).Issue([id])!;

        (await _tokens.ValidateAsync(foreign, CancellationToken.None)).Status.Should().Be(StreamTokenStatus.InvalidSignature);
    }

    [Fact]
    public async Task ValidateAsync_StreamTokenOfAMember_IsNotAWatchToken()
    {
        var id = await LiveAsync();
        var streamToken = new StreamTokenService(new StaticOptionsMonitor<IterationStreamingOptions>(_options), _records, _clock).IssueToken(id);

        (await _tokens.ValidateAsync(streamToken, CancellationToken.None)).Status.Should().NotBe(StreamTokenStatus.Valid);
    }

    [Fact]
    public async Task ValidateAsync_OneMemberLive_KeepsTheTokenValidPastTheOthersGrace()
    {
        var ended = await LiveAsync();
        var live = await LiveAsync();
        var token = _tokens.Issue([ended, live])!;
        await _records.UpdateAsync(ended, new GenerationRecordUpdate { Status = GenerationStatus.Completed });

        _clock.Advance(_options.TerminalGracePeriod + TimeSpan.FromMinutes(1));

        (await _tokens.ValidateAsync(token, CancellationToken.None)).Status.Should().Be(StreamTokenStatus.Valid);
    }

    [Fact]
    public async Task ValidateAsync_EveryMemberEndedPastTheGrace_IsExpired()
    {
        var first = await LiveAsync();
        var second = await LiveAsync();
        var token = _tokens.Issue([first, second])!;
        await _records.UpdateAsync(first, new GenerationRecordUpdate { Status = GenerationStatus.Completed });
        await _records.UpdateAsync(second, new GenerationRecordUpdate { Status = GenerationStatus.Failed });

        _clock.Advance(_options.TerminalGracePeriod);

        (await _tokens.ValidateAsync(token, CancellationToken.None)).Status.Should().Be(StreamTokenStatus.Expired);
    }

    [Fact]
    public async Task ValidateAsync_PastTheHardCap_IsExpiredWhileMembersRun()
    {
        var token = _tokens.Issue([await LiveAsync()])!;

        _clock.Advance(_options.MaxTokenLifetime);

        (await _tokens.ValidateAsync(token, CancellationToken.None)).Status.Should().Be(StreamTokenStatus.Expired);
    }

    [Fact]
    public async Task ValidateAsync_EveryMemberDeleted_IsExpired()
    {
        var id = await LiveAsync();
        var token = _tokens.Issue([id])!;
        await _records.DeleteAsync(id);

        (await _tokens.ValidateAsync(token, CancellationToken.None)).Status.Should().Be(StreamTokenStatus.Expired);
    }

    private WatchTokens Create(IterationStreamingOptions options) => new(new StaticOptionsMonitor<IterationStreamingOptions>(options), _records, _clock);

    private async Task<string> LiveAsync(string? id = null)
    {
        id ??= TestEvents.NewId();
        await _records.AddAsync(new GenerationRecord
        {
            GenerationId = id,
            Prompt = "Build a task app",
            Entities = ["User"],
            Status = GenerationStatus.Processing,
            CreatedAt = _clock.GetUtcNow(),
        });
        return id;
    }
}
