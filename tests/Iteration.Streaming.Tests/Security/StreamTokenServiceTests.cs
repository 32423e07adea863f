using System.Buffers.Binary;
using System.Buffers.Text;
using Iteration.Streaming.EventLog;
using Iteration.Streaming.Hosting;
using Iteration.Streaming.Security;
using Iteration.Streaming.TestUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Iteration.Streaming.Tests.Security;

public sealed class StreamTokenServiceTests
{
    private const string Key = "an-example-signing-key-of-at-least-32-characters";

    private readonly FakeTimeProvider _clock = new(TestEvents.Epoch);
    private readonly IterationStreamingOptions _options = new() { SigningKey = Key };
    private readonly InMemoryGenerationEventLog _log;
    private readonly StreamTokenService _tokens;

    public StreamTokenServiceTests()
    {
        _log = new InMemoryGenerationEventLog(new StaticOptionsMonitor<IterationStreamingOptions>(_options), _clock);
        _tokens = CreateService(_options);
    }

    private StreamTokenService CreateService(IterationStreamingOptions options, ILogger<StreamTokenService>? logger = null) =>
        new(new StaticOptionsMonitor<IterationStreamingOptions>(options), _log, _clock, logger);

    [Fact]
    public async Task ValidateAsync_TokenOfTheSameGeneration_IsValid()
    {
        var id = TestEvents.NewId();

        var status = await _tokens.ValidateAsync(id, _tokens.IssueToken(id));

        status.Should().Be(StreamTokenStatus.Valid);
    }

    [Fact]
    public void IssueToken_IsUrlSafeTextWithoutPadding()
    {
        var token = _tokens.IssueToken(TestEvents.NewId());

        token.Should().MatchRegex("^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$");
        token.Length.Should().BeLessThanOrEqualTo(StreamTokenService.MaxTokenLength);
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
        var id = TestEvents.NewId();
        var token = _tokens.IssueToken(id) + new string('A', 10_000);

        (await _tokens.ValidateAsync(id, token)).Should().Be(StreamTokenStatus.Malformed);
    }

    [Fact]
    public async Task ValidateAsync_WrongVersionByte_IsMalformed()
    {
        var id = TestEvents.NewId();
        var (payload, mac) = Split(_tokens.IssueToken(id));
        payload[0] = 2;

        (await _tokens.ValidateAsync(id, Join(payload, mac))).Should().Be(StreamTokenStatus.Malformed);
    }

    [Fact]
    public async Task ValidateAsync_TruncatedSignature_IsMalformed()
    {
        var id = TestEvents.NewId();
        var (payload, mac) = Split(_tokens.IssueToken(id));

        (await _tokens.ValidateAsync(id, Join(payload, mac[..16]))).Should().Be(StreamTokenStatus.Malformed);
    }

    [Theory]
    [InlineData("xx")]
    [InlineData("_-")]
    public async Task ValidateAsync_SignatureWithNonZeroTrailingBits_IsMalformed(string lastTwo)
    {
        // Base64Url's TryDecode throws, rather than answering false, on a final quantum with stray bits.
        var id = TestEvents.NewId();
        var token = _tokens.IssueToken(id);

        (await _tokens.ValidateAsync(id, token[..^2] + lastTwo)).Should().Be(StreamTokenStatus.Malformed);
    }

    [Theory]
    [InlineData("A")]
    [InlineData("AAAAA")]
    public async Task ValidateAsync_PartWithAnImpossibleLength_IsMalformed(string part)
    {
        var id = TestEvents.NewId();
        var token = _tokens.IssueToken(id);

        (await _tokens.ValidateAsync(id, token.Split('.')[0] + "." + part)).Should().Be(StreamTokenStatus.Malformed);
        (await _tokens.ValidateAsync(id, part + "." + token.Split('.')[1])).Should().Be(StreamTokenStatus.Malformed);
    }

    [Fact]
    public async Task ValidateAsync_ExtendedExpiry_IsInvalidSignature()
    {
        var id = TestEvents.NewId();
        var (payload, mac) = Split(_tokens.IssueToken(id));
        BinaryPrimitives.WriteInt64BigEndian(payload.AsSpan(1), long.MaxValue);

        (await _tokens.ValidateAsync(id, Join(payload, mac))).Should().Be(StreamTokenStatus.InvalidSignature);
    }

    [Fact]
    public async Task ValidateAsync_GenerationIdSwappedInPayload_IsInvalidSignature()
    {
        var id = TestEvents.NewId();
        var other = TestEvents.NewId();
        var (payload, mac) = Split(_tokens.IssueToken(other));
        System.Text.Encoding.UTF8.GetBytes(id).CopyTo(payload, 9);

        (await _tokens.ValidateAsync(id, Join(payload, mac))).Should().Be(StreamTokenStatus.InvalidSignature);
    }

    [Fact]
    public async Task ValidateAsync_FlippedSignatureBit_IsInvalidSignature()
    {
        var id = TestEvents.NewId();
        var (payload, mac) = Split(_tokens.IssueToken(id));
        mac[^1] ^= 1;

        (await _tokens.ValidateAsync(id, Join(payload, mac))).Should().Be(StreamTokenStatus.InvalidSignature);
    }

    [Fact]
    public async Task ValidateAsync_TokenSignedWithAnotherKey_IsInvalidSignature()
    {
        var id = TestEvents.NewId();
        var other = CreateService(new IterationStreamingOptions { SigningKey = new string('x', 40) });

        (await _tokens.ValidateAsync(id, other.IssueToken(id))).Should().Be(StreamTokenStatus.InvalidSignature);
    }

    [Fact]
    public async Task ValidateAsync_AnotherInstanceWithTheSameKey_AcceptsTheToken()
    {
        var id = TestEvents.NewId();
        var other = CreateService(new IterationStreamingOptions { SigningKey = Key });

        (await other.ValidateAsync(id, _tokens.IssueToken(id))).Should().Be(StreamTokenStatus.Valid);
    }

    [Fact]
    public async Task ValidateAsync_TokenOfAnotherGeneration_IsOtherGeneration()
    {
        var token = _tokens.IssueToken(TestEvents.NewId());

        (await _tokens.ValidateAsync(TestEvents.NewId(), token)).Should().Be(StreamTokenStatus.OtherGeneration);
    }

    [Theory]
    [InlineData("")]
    [InlineData("x")]
    [InlineData("../../etc/passwd")]
    public async Task ValidateAsync_HostileRequestedId_IsOtherGeneration(string requested)
    {
        var token = _tokens.IssueToken(TestEvents.NewId());

        (await _tokens.ValidateAsync(requested, token)).Should().Be(StreamTokenStatus.OtherGeneration);
    }

    [Fact]
    public async Task ValidateAsync_OversizedRequestedId_IsOtherGeneration()
    {
        var token = _tokens.IssueToken(TestEvents.NewId());

        (await _tokens.ValidateAsync(new string('a', 100_000), token)).Should().Be(StreamTokenStatus.OtherGeneration);
    }

    [Fact]
    public async Task ValidateAsync_JustBeforeTheLifetimeEnds_IsValid()
    {
        var id = TestEvents.NewId();
        var token = _tokens.IssueToken(id);

        _clock.Advance(_options.TokenLifetime - TimeSpan.FromMilliseconds(1));

        (await _tokens.ValidateAsync(id, token)).Should().Be(StreamTokenStatus.Valid);
    }

    [Fact]
    public async Task ValidateAsync_WhenTheLifetimeEnds_IsExpired()
    {
        var id = TestEvents.NewId();
        var token = _tokens.IssueToken(id);

        _clock.Advance(_options.TokenLifetime);

        (await _tokens.ValidateAsync(id, token)).Should().Be(StreamTokenStatus.Expired);
    }

    [Fact]
    public async Task ValidateAsync_WithinTheGracePeriodAfterTheTerminalEvent_IsValid()
    {
        var id = TestEvents.NewId();
        var token = _tokens.IssueToken(id);
        await _log.CreateAsync(id);
        var terminal = await _log.AppendAsync(TestEvents.Completed(id) with { Timestamp = _clock.GetUtcNow() });

        _clock.Advance(_options.TerminalGracePeriod - TimeSpan.FromMilliseconds(1));

        terminal.IsTerminal.Should().BeTrue();
        (await _tokens.ValidateAsync(id, token)).Should().Be(StreamTokenStatus.Valid, "a token survives reconnects until the grace period ends");
    }

    [Fact]
    public async Task ValidateAsync_GracePeriodAfterTheTerminalEventOver_IsExpiredBeforeItsLifetime()
    {
        var id = TestEvents.NewId();
        var token = _tokens.IssueToken(id);
        await _log.CreateAsync(id);
        await _log.AppendAsync(TestEvents.Failed(id) with { Timestamp = _clock.GetUtcNow() });

        _clock.Advance(_options.TerminalGracePeriod);

        _options.TerminalGracePeriod.Should().BeLessThan(_options.TokenLifetime);
        (await _tokens.ValidateAsync(id, token)).Should().Be(StreamTokenStatus.Expired);
    }

    [Fact]
    public async Task ValidateAsync_WhileTheGenerationRuns_OutlivesTheGracePeriod()
    {
        var id = TestEvents.NewId();
        var token = _tokens.IssueToken(id);
        await _log.CreateAsync(id);
        await _log.AppendAsync(TestEvents.Progress(id, 0) with { Timestamp = _clock.GetUtcNow() });

        _clock.Advance(_options.TerminalGracePeriod * 2);

        (await _tokens.ValidateAsync(id, token)).Should().Be(StreamTokenStatus.Valid);
    }

    [Fact]
    public async Task ValidateAsync_UnknownGeneration_LeavesTheNotFoundToTheCaller()
    {
        var id = TestEvents.NewId();

        (await _tokens.ValidateAsync(id, _tokens.IssueToken(id))).Should().Be(StreamTokenStatus.Valid);
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
        var id = TestEvents.NewId();
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
        var id = TestEvents.NewId();

        for (var i = 0; i < 3; i++)
        {
            await service.ValidateAsync(id, service.IssueToken(id));
        }

        var warnings = logger.Collector.GetSnapshot().Where(r => r.Level == LogLevel.Warning).ToList();
        warnings.Should().ContainSingle().Which.Message.Should().Contain("SigningKey");
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

        var token = service.IssueToken(TestEvents.NewId());

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
}
