using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Iteration.Streaming.Events;
using Iteration.Streaming.Hosting;
using Iteration.Streaming.Records;
using Iteration.Streaming.Security;
using Iteration.Streaming.TestUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Iteration.Streaming.Tests.Security;

public sealed class StreamTokenServiceTests
{
    private const string Key = "an-example-signing-key-of-at-least-32-characters";

    private readonly FakeTimeProvider _clock = new(TestEvents.Epoch);
    private readonly IterationStreamingOptions _options = new() { SigningKey = Key };
    private readonly InMemoryGenerationRecordStore _records;
    private readonly StreamTokenService _tokens;

    public StreamTokenServiceTests()
    {
        _records = new InMemoryGenerationRecordStore(_clock);
        _tokens = CreateService(_options);
    }

    private StreamTokenService CreateService(IterationStreamingOptions options, ILogger<StreamTokenService>? logger = null) =>
        new(new StaticOptionsMonitor<IterationStreamingOptions>(options), _records, _clock, logger);

    /// <summary>A generation whose run is live (its record exists and has not ended).</summary>
    private async Task<string> LiveGenerationAsync()
    {
        var id = TestEvents.NewId();
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

    /// <summary>Ends the generation's run now (its record gets the end time).</summary>
    private async Task EndAsync(string id, string status = GenerationStatus.Completed) =>
        await _records.UpdateAsync(id, new GenerationRecordUpdate { Status = status });

    [Fact]
    public async Task ValidateAsync_TokenOfTheSameLiveGeneration_IsValid()
    {
        var id = await LiveGenerationAsync();

        var status = await _tokens.ValidateAsync(id, _tokens.IssueToken(id));

        status.Should().Be(StreamTokenStatus.Valid);
    }

    [Fact]
    public void IssueToken_IsUrlSafeTextWithoutPadding()
    {
        var token = _tokens.IssueToken(TestEvents.NewId(), StreamTokenScope.Control);

        token.Should().MatchRegex("^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$");
        token.Length.Should().BeLessThanOrEqualTo(StreamTokenService.MaxTokenLength);
    }

    [Fact]
    public void IssueToken_LongestIdWithControlScope_FitsTheMaximumLength()
    {
        var token = _tokens.IssueToken(new string('a', 128), StreamTokenScope.Control);

        token.Length.Should().BeLessThanOrEqualTo(StreamTokenService.MaxTokenLength);
    }

    [Fact]
    public void IssueToken_ReadAndControl_AreDifferentTokens()
    {
        var id = TestEvents.NewId();

        _tokens.IssueToken(id, StreamTokenScope.Read).Should().NotBe(_tokens.IssueToken(id, StreamTokenScope.Control));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(255)]
    public void IssueToken_UnknownScope_Throws(int scope)
    {
        FluentActions.Invoking(() => _tokens.IssueToken(TestEvents.NewId(), (StreamTokenScope)scope)).Should().Throw<ArgumentOutOfRangeException>();
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public async Task ValidateAsync_NoToken_IsMissing(string? token)
    {
        (await _tokens.ValidateAsync(TestEvents.NewId(), token)).Should().Be(StreamTokenStatus.Missing);
    }

    [Theory]
    [InlineData("not-a-token")]
    [InlineData(".")]
    [InlineData("abc.")]
    [InlineData(".abc")]
    [InlineData("a.b.c")]
    [InlineData("!!!.###")]
    [InlineData("AQ.AQ")]
    [InlineData("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl")]
    [InlineData("Bearer abc.def")]
    [InlineData("' OR 1=1 --.x")]
    [InlineData("a.b")]
    [InlineData("forged.token")]
    [InlineData("abcde.abcde")]
    [InlineData("AQAAAaIL-qBzMzI5.x")]
    public async Task ValidateAsync_TextThatIsNoToken_IsMalformed(string token)
    {
        (await _tokens.ValidateAsync(TestEvents.NewId(), token)).Should().Be(StreamTokenStatus.Malformed);
    }

    [Fact]
    public async Task ValidateAsync_OversizedToken_IsMalformed()
    {
        var id = await LiveGenerationAsync();
        var token = _tokens.IssueToken(id) + new string('A', 10_000);

        (await _tokens.ValidateAsync(id, token)).Should().Be(StreamTokenStatus.Malformed);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(255)]
    public async Task ValidateAsync_UnknownVersionByte_IsMalformed(byte version)
    {
        var id = await LiveGenerationAsync();
        var (payload, mac) = Split(_tokens.IssueToken(id));
        payload[0] = version;

        (await _tokens.ValidateAsync(id, Join(payload, mac))).Should().Be(StreamTokenStatus.Malformed);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(255)]
    public async Task ValidateAsync_UnknownScopeByte_IsMalformed(byte scope)
    {
        var id = await LiveGenerationAsync();
        var (payload, _) = Split(_tokens.IssueToken(id));
        payload[1] = scope;

        (await _tokens.ValidateAsync(id, Sign(payload))).Should().Be(StreamTokenStatus.Malformed);
    }

    [Fact]
    public async Task ValidateAsync_PayloadWithoutAGenerationId_IsMalformed()
    {
        var id = await LiveGenerationAsync();
        var (payload, _) = Split(_tokens.IssueToken(id));

        (await _tokens.ValidateAsync(id, Sign(payload[..10]))).Should().Be(StreamTokenStatus.Malformed);
    }

    [Fact]
    public async Task ValidateAsync_GenuineVersion1Token_IsExpired()
    {
        // Wave 1's layout: version 1, the expiry (Unix ms), the id; signed with the same key. Its holder needs a new token.
        var id = await LiveGenerationAsync();
        var payload = new byte[9 + id.Length];
        payload[0] = 1;
        BinaryPrimitives.WriteInt64BigEndian(payload.AsSpan(1), _clock.GetUtcNow().AddMinutes(30).ToUnixTimeMilliseconds());
        Encoding.UTF8.GetBytes(id).CopyTo(payload, 9);

        (await _tokens.ValidateAsync(id, Sign(payload))).Should().Be(StreamTokenStatus.Expired);
        (await _tokens.ValidateAsync(id, Sign(payload), StreamTokenScope.Control)).Should().Be(StreamTokenStatus.Expired);
    }

    [Fact]
    public async Task ValidateAsync_ForgedVersion1Token_IsInvalidSignature()
    {
        var id = await LiveGenerationAsync();
        var payload = new byte[9 + id.Length];
        payload[0] = 1;
        Encoding.UTF8.GetBytes(id).CopyTo(payload, 9);

        (await _tokens.ValidateAsync(id, Join(payload, new byte[32]))).Should().Be(StreamTokenStatus.InvalidSignature);
    }

    [Fact]
    public async Task ValidateAsync_TruncatedSignature_IsMalformed()
    {
        var id = await LiveGenerationAsync();
        var (payload, mac) = Split(_tokens.IssueToken(id));

        (await _tokens.ValidateAsync(id, Join(payload, mac[..16]))).Should().Be(StreamTokenStatus.Malformed);
    }

    [Theory]
    [InlineData("xx")]
    [InlineData("_-")]
    public async Task ValidateAsync_SignatureWithNonZeroTrailingBits_IsMalformed(string lastTwo)
    {
        // Base64Url's TryDecode throws, rather than answering false, on a final quantum with stray bits.
        var id = await LiveGenerationAsync();
        var token = _tokens.IssueToken(id);

        (await _tokens.ValidateAsync(id, token[..^2] + lastTwo)).Should().Be(StreamTokenStatus.Malformed);
    }

    [Theory]
    [InlineData("A")]
    [InlineData("AAAAA")]
    public async Task ValidateAsync_PartWithAnImpossibleLength_IsMalformed(string part)
    {
        var id = await LiveGenerationAsync();
        var token = _tokens.IssueToken(id);

        (await _tokens.ValidateAsync(id, token.Split('.')[0] + "." + part)).Should().Be(StreamTokenStatus.Malformed);
        (await _tokens.ValidateAsync(id, part + "." + token.Split('.')[1])).Should().Be(StreamTokenStatus.Malformed);
    }

    [Fact]
    public async Task ValidateAsync_LaterIssueTime_IsInvalidSignature()
    {
        var id = await LiveGenerationAsync();
        var (payload, mac) = Split(_tokens.IssueToken(id));
        BinaryPrimitives.WriteInt64BigEndian(payload.AsSpan(2), _clock.GetUtcNow().AddHours(1).ToUnixTimeMilliseconds());

        (await _tokens.ValidateAsync(id, Join(payload, mac))).Should().Be(StreamTokenStatus.InvalidSignature);
    }

    [Fact]
    public async Task ValidateAsync_ReadScopeRaisedToControl_IsInvalidSignature()
    {
        var id = await LiveGenerationAsync();
        var (payload, mac) = Split(_tokens.IssueToken(id, StreamTokenScope.Read));
        payload[1] = (byte)StreamTokenScope.Control;

        (await _tokens.ValidateAsync(id, Join(payload, mac), StreamTokenScope.Control)).Should().Be(StreamTokenStatus.InvalidSignature);
    }

    [Fact]
    public async Task ValidateAsync_GenerationIdSwappedInPayload_IsInvalidSignature()
    {
        var id = await LiveGenerationAsync();
        var other = TestEvents.NewId();
        var (payload, mac) = Split(_tokens.IssueToken(other));
        Encoding.UTF8.GetBytes(id).CopyTo(payload, 10);

        (await _tokens.ValidateAsync(id, Join(payload, mac))).Should().Be(StreamTokenStatus.InvalidSignature);
    }

    [Fact]
    public async Task ValidateAsync_FlippedSignatureBit_IsInvalidSignature()
    {
        var id = await LiveGenerationAsync();
        var (payload, mac) = Split(_tokens.IssueToken(id));
        mac[^1] ^= 1;

        (await _tokens.ValidateAsync(id, Join(payload, mac))).Should().Be(StreamTokenStatus.InvalidSignature);
    }

    [Fact]
    public async Task ValidateAsync_TokenSignedWithAnotherKey_IsInvalidSignature()
    {
        var id = await LiveGenerationAsync();
        var other = CreateService(new IterationStreamingOptions { SigningKey = new string('x', 40) });

        (await _tokens.ValidateAsync(id, other.IssueToken(id))).Should().Be(StreamTokenStatus.InvalidSignature);
    }

    [Fact]
    public async Task ValidateAsync_AnotherInstanceWithTheSameKey_AcceptsTheToken()
    {
        var id = await LiveGenerationAsync();
        var other = CreateService(new IterationStreamingOptions { SigningKey = Key });

        (await other.ValidateAsync(id, _tokens.IssueToken(id))).Should().Be(StreamTokenStatus.Valid);
    }

    [Fact]
    public async Task ValidateAsync_TokenOfAnotherGeneration_IsOtherGeneration()
    {
        var token = _tokens.IssueToken(await LiveGenerationAsync(), StreamTokenScope.Control);

        (await _tokens.ValidateAsync(await LiveGenerationAsync(), token, StreamTokenScope.Control)).Should().Be(StreamTokenStatus.OtherGeneration);
    }

    [Theory]
    [InlineData("")]
    [InlineData("x")]
    [InlineData("../../etc/passwd")]
    public async Task ValidateAsync_HostileRequestedId_IsOtherGeneration(string requested)
    {
        var token = _tokens.IssueToken(await LiveGenerationAsync());

        (await _tokens.ValidateAsync(requested, token)).Should().Be(StreamTokenStatus.OtherGeneration);
    }

    [Fact]
    public async Task ValidateAsync_OversizedRequestedId_IsOtherGeneration()
    {
        var token = _tokens.IssueToken(await LiveGenerationAsync());

        (await _tokens.ValidateAsync(new string('a', 100_000), token)).Should().Be(StreamTokenStatus.OtherGeneration);
    }

    [Fact]
    public async Task ValidateAsync_ControlToken_AlsoReads()
    {
        var id = await LiveGenerationAsync();

        (await _tokens.ValidateAsync(id, _tokens.IssueToken(id, StreamTokenScope.Control), StreamTokenScope.Read)).Should().Be(StreamTokenStatus.Valid);
    }

    [Fact]
    public async Task ValidateAsync_ControlTokenForAnAction_IsValid()
    {
        var id = await LiveGenerationAsync();

        (await _tokens.ValidateAsync(id, _tokens.IssueToken(id, StreamTokenScope.Control), StreamTokenScope.Control)).Should().Be(StreamTokenStatus.Valid);
    }

    [Fact]
    public async Task ValidateAsync_ReadTokenForAnAction_IsInsufficientScope()
    {
        var id = await LiveGenerationAsync();

        (await _tokens.ValidateAsync(id, _tokens.IssueToken(id, StreamTokenScope.Read), StreamTokenScope.Control)).Should().Be(StreamTokenStatus.InsufficientScope);
    }

    [Fact]
    public async Task ValidateAsync_ExpiredReadTokenForAnAction_IsExpiredNotInsufficientScope()
    {
        // InsufficientScope always names a genuine, live read token: every other check comes first.
        var id = await LiveGenerationAsync();
        var token = _tokens.IssueToken(id, StreamTokenScope.Read);

        _clock.Advance(_options.MaxTokenLifetime);

        (await _tokens.ValidateAsync(id, token, StreamTokenScope.Control)).Should().Be(StreamTokenStatus.Expired);
    }

    [Theory]
    [InlineData(StreamTokenScope.Read)]
    [InlineData(StreamTokenScope.Control)]
    public async Task ValidateAsync_UnknownGeneration_IsExpiredNeverValid(StreamTokenScope scope)
    {
        // A genuine token for an id the record store does not know (never admitted, or deleted): not valid because unknown.
        var id = TestEvents.NewId();

        (await _tokens.ValidateAsync(id, _tokens.IssueToken(id, scope), scope)).Should().Be(StreamTokenStatus.Expired);
    }

    [Fact]
    public async Task ValidateAsync_RecordDeleted_IsExpired()
    {
        var id = await LiveGenerationAsync();
        var token = _tokens.IssueToken(id);

        await _records.DeleteAsync(id);

        (await _tokens.ValidateAsync(id, token)).Should().Be(StreamTokenStatus.Expired);
    }

    [Fact]
    public async Task ValidateAsync_WhileTheRunIsLive_OutlivesTheTokenLifetime()
    {
        var id = await LiveGenerationAsync();
        var token = _tokens.IssueToken(id);

        _clock.Advance(_options.TokenLifetime * 10);

        (await _tokens.ValidateAsync(id, token)).Should().Be(StreamTokenStatus.Valid, "a long run must be able to reconnect");
    }

    [Fact]
    public async Task ValidateAsync_JustBeforeTheHardCap_IsValid()
    {
        var id = await LiveGenerationAsync();
        var token = _tokens.IssueToken(id, StreamTokenScope.Control);

        _clock.Advance(_options.MaxTokenLifetime - TimeSpan.FromMilliseconds(1));

        (await _tokens.ValidateAsync(id, token, StreamTokenScope.Control)).Should().Be(StreamTokenStatus.Valid);
    }

    [Theory]
    [InlineData(StreamTokenScope.Read)]
    [InlineData(StreamTokenScope.Control)]
    public async Task ValidateAsync_AtTheHardCap_IsExpiredEvenWhileTheRunIsLive(StreamTokenScope scope)
    {
        var id = await LiveGenerationAsync();
        var token = _tokens.IssueToken(id, scope);

        _clock.Advance(_options.MaxTokenLifetime);

        (await _tokens.ValidateAsync(id, token, scope)).Should().Be(StreamTokenStatus.Expired);
    }

    [Fact]
    public async Task ValidateAsync_IssuedMoreThanTheHardCapInTheFuture_IsExpired()
    {
        // A clock far ahead on the issuing instance must not stretch the cap.
        var id = await LiveGenerationAsync();
        var ahead = new FakeTimeProvider(_clock.GetUtcNow() + _options.MaxTokenLifetime);
        var issuer = new StreamTokenService(new StaticOptionsMonitor<IterationStreamingOptions>(_options), _records, ahead);

        (await _tokens.ValidateAsync(id, issuer.IssueToken(id))).Should().Be(StreamTokenStatus.Expired);
    }

    [Fact]
    public async Task ValidateAsync_WithinTheGracePeriodAfterTheRunEnded_IsValid()
    {
        var id = await LiveGenerationAsync();
        var token = _tokens.IssueToken(id);
        await EndAsync(id);

        _clock.Advance(_options.TerminalGracePeriod - TimeSpan.FromMilliseconds(1));

        (await _tokens.ValidateAsync(id, token)).Should().Be(StreamTokenStatus.Valid, "a token survives reconnects until the grace period ends");
    }

    [Theory]
    [InlineData(GenerationStatus.Completed)]
    [InlineData(GenerationStatus.Failed)]
    [InlineData(GenerationStatus.Cancelled)]
    public async Task ValidateAsync_GracePeriodAfterTheRunEndedOver_IsExpiredBeforeItsLifetime(string terminal)
    {
        var id = await LiveGenerationAsync();
        var token = _tokens.IssueToken(id);
        await EndAsync(id, terminal);

        _clock.Advance(_options.TerminalGracePeriod);

        _options.TerminalGracePeriod.Should().BeLessThan(_options.TokenLifetime);
        (await _tokens.ValidateAsync(id, token)).Should().Be(StreamTokenStatus.Expired);
    }

    [Fact]
    public async Task ValidateAsync_RunThatOutlivedTheTokenLifetime_KeepsTheWholeGraceAfterItEnds()
    {
        // A two-hour run: the token of its start must still fetch the files and the zip right after the end.
        var id = await LiveGenerationAsync();
        var token = _tokens.IssueToken(id);
        _clock.Advance(TimeSpan.FromHours(2));
        await EndAsync(id);

        _clock.Advance(_options.TerminalGracePeriod - TimeSpan.FromMilliseconds(1));
        var withinGrace = await _tokens.ValidateAsync(id, token);
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        var afterGrace = await _tokens.ValidateAsync(id, token);

        withinGrace.Should().Be(StreamTokenStatus.Valid);
        afterGrace.Should().Be(StreamTokenStatus.Expired);
    }

    [Fact]
    public async Task ValidateAsync_TokenIssuedAfterTheRunEnded_LastsItsLifetimeWithinTheGrace()
    {
        var options = new IterationStreamingOptions { SigningKey = Key, TokenLifetime = TimeSpan.FromMinutes(1), TerminalGracePeriod = TimeSpan.FromMinutes(5) };
        var tokens = CreateService(options);
        var id = await LiveGenerationAsync();
        await EndAsync(id);
        _clock.Advance(TimeSpan.FromSeconds(1));
        var token = tokens.IssueToken(id);

        _clock.Advance(options.TokenLifetime - TimeSpan.FromMilliseconds(1));
        var withinLifetime = await tokens.ValidateAsync(id, token);
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        var afterLifetime = await tokens.ValidateAsync(id, token);

        withinLifetime.Should().Be(StreamTokenStatus.Valid);
        afterLifetime.Should().Be(StreamTokenStatus.Expired);
    }

    [Fact]
    public async Task ValidateAsync_TokenIssuedAfterTheGrace_IsExpired()
    {
        var id = await LiveGenerationAsync();
        await EndAsync(id);
        _clock.Advance(_options.TerminalGracePeriod);

        (await _tokens.ValidateAsync(id, _tokens.IssueToken(id))).Should().Be(StreamTokenStatus.Expired);
    }

    [Fact]
    public async Task ValidateAsync_QueuedRun_IsLive()
    {
        var id = TestEvents.NewId();
        await _records.AddAsync(new GenerationRecord
        {
            GenerationId = id,
            Prompt = "x",
            Entities = [],
            Status = GenerationStatus.Queued,
            CreatedAt = _clock.GetUtcNow(),
        });
        var token = _tokens.IssueToken(id);

        _clock.Advance(_options.TokenLifetime * 2);

        (await _tokens.ValidateAsync(id, token)).Should().Be(StreamTokenStatus.Valid);
    }

    [Fact]
    public async Task ValidateAsync_RecordStoreNotAskedForAForgedToken()
    {
        var store = new CountingRecordStore(_records);
        var tokens = new StreamTokenService(new StaticOptionsMonitor<IterationStreamingOptions>(_options), store, _clock);
        var id = await LiveGenerationAsync();
        var (payload, mac) = Split(tokens.IssueToken(id));
        mac[0] ^= 1;

        await tokens.ValidateAsync(id, Join(payload, mac));
        await tokens.ValidateAsync(id, "garbage");
        await tokens.ValidateAsync(TestEvents.NewId(), tokens.IssueToken(id));

        store.Gets.Should().Be(0, "only a genuine token of this generation costs a lookup");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void IssueToken_NoGenerationId_Throws(string? id)
    {
        FluentActions.Invoking(() => _tokens.IssueToken(id!)).Should().Throw<ArgumentException>();
    }

    [Fact]
    public void IssueToken_OversizedGenerationId_Throws()
    {
        FluentActions.Invoking(() => _tokens.IssueToken(new string('a', 129))).Should().Throw<ArgumentException>().WithMessage("*128*");
    }

    [Fact]
    public async Task ValidateAsync_NullGenerationId_Throws()
    {
        await FluentActions.Awaiting(() => _tokens.ValidateAsync(null!, "x").AsTask()).Should().ThrowAsync<ArgumentNullException>();
    }

    [Fact]
    public async Task WithoutSigningKey_TokensWorkButOnlyForThisInstance()
    {
        var id = await LiveGenerationAsync();
        var first = CreateService(new IterationStreamingOptions());
        var second = CreateService(new IterationStreamingOptions());

        var token = first.IssueToken(id);

        (await first.ValidateAsync(id, token)).Should().Be(StreamTokenStatus.Valid);
        (await second.ValidateAsync(id, token)).Should().Be(StreamTokenStatus.InvalidSignature);
    }

    [Fact]
    public async Task WithoutSigningKey_WarnsOnce()
    {
        var logger = new FakeLogger<StreamTokenService>();
        var service = CreateService(new IterationStreamingOptions(), logger);
        var id = await LiveGenerationAsync();

        for (var i = 0; i < 3; i++)
        {
            await service.ValidateAsync(id, service.IssueToken(id));
        }

        var warnings = logger.Collector.GetSnapshot().Where(r => r.Level == LogLevel.Warning).ToList();
        warnings.Should().ContainSingle().Which.Message.Should()
            .Contain("After a restart every token it issued answers 401")
            .And.Contain("Set IterationStreaming:SigningKeyFile")
            .And.Contain("IterationStreaming:SigningKey (32+ characters");
    }

    [Fact]
    public void WithSigningKey_DoesNotWarn()
    {
        var logger = new FakeLogger<StreamTokenService>();
        var service = CreateService(_options, logger);

        service.IssueToken(TestEvents.NewId());

        logger.Collector.Count.Should().Be(0);
    }

    [Fact]
    public void Logs_NeverContainTheToken()
    {
        var logger = new FakeLogger<StreamTokenService>();
        var service = CreateService(new IterationStreamingOptions(), logger);

        var token = service.IssueToken(TestEvents.NewId(), StreamTokenScope.Control);

        logger.Collector.GetSnapshot().Should().NotContain(r => r.Message.Contains(token, StringComparison.Ordinal));
    }

    [Fact]
    public void AddIterationStreaming_RegistersTheTokenServiceOnce()
    {
        var services = new ServiceCollection().AddIterationStreaming().Services;
        using var provider = services.BuildServiceProvider();

        services.Count(d => d.ServiceType == typeof(IStreamTokenService)).Should().Be(1);
        provider.GetRequiredService<IStreamTokenService>().Should().BeSameAs(provider.GetRequiredService<IStreamTokenService>());
    }

    private static (byte[] Payload, byte[] Mac) Split(string token)
    {
        var parts = token.Split('.');
        return (Base64Url.DecodeFromChars(parts[0]), Base64Url.DecodeFromChars(parts[1]));
    }

    private static string Join(byte[] payload, byte[] mac) =>
        Base64Url.EncodeToString(payload) + "." + Base64Url.EncodeToString(mac);

    /// <summary>Signs a payload as the service does (HKDF-SHA256 of the configured key), to build tokens it never issues.</summary>
    private static string Sign(byte[] payload)
    {
        var key = new byte[32];
        HKDF.DeriveKey(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(Key), key, salt: [], info: StreamTokenService.KeyInfo);
        return Join(payload, HMACSHA256.HashData(key, payload));
    }

    private sealed class CountingRecordStore(IGenerationRecordStore inner) : IGenerationRecordStore
    {
        public int Gets { get; private set; }

        public bool IsDurable => inner.IsDurable;

        public ValueTask AddAsync(GenerationRecord record, CancellationToken cancellationToken = default) => inner.AddAsync(record, cancellationToken);

        public ValueTask<GenerationRecord?> GetAsync(string generationId, CancellationToken cancellationToken = default)
        {
            Gets++;
            return inner.GetAsync(generationId, cancellationToken);
        }

        public ValueTask<GenerationRecord?> TryUpdateSteeringAsync(string generationId, long expectedRevision, GenerationRecordUpdate update, CancellationToken cancellationToken = default) =>
            inner.TryUpdateSteeringAsync(generationId, expectedRevision, update, cancellationToken);

        public ValueTask<GenerationRecord?> UpdateAsync(string generationId, GenerationRecordUpdate update, CancellationToken cancellationToken = default) =>
            inner.UpdateAsync(generationId, update, cancellationToken);

        public ValueTask<IReadOnlyList<GenerationRecord>> ListUnfinishedAsync(CancellationToken cancellationToken = default) => inner.ListUnfinishedAsync(cancellationToken);

        public ValueTask<IReadOnlyList<GenerationRecord>> ListEndedAsync(CancellationToken cancellationToken = default) => inner.ListEndedAsync(cancellationToken);

        public ValueTask<bool> DeleteAsync(string generationId, CancellationToken cancellationToken = default) => inner.DeleteAsync(generationId, cancellationToken);
    }
}
