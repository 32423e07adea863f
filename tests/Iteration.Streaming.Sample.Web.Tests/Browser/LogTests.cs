using Iteration.Streaming.Sample.Web.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Iteration.Streaming.Sample.Web.Tests.Browser;

/// <summary>The sample's logs are structured and never carry a stream token, even with every category at Trace.</summary>
[Collection(BrowserCollection.Name)]
public sealed class LogTests(BrowserFixture browser)
{
    [Fact]
    public async Task Logs_AtTraceLevel_OfARunWithFileDownloadsAndARefusedToken_NeverContainTheToken()
    {
        await using var server = await SampleServer.StartAsync(settings: ["--Logging:LogLevel:Default=Trace", "--Logging:LogLevel:Microsoft=Trace", "--Logging:LogLevel:Microsoft.AspNetCore=Trace"]);
        var page = new SamplePage(await browser.NewPageAsync());
        await page.OpenAsync(server.BaseAddress);
        var id = await page.StartAsync();
        await page.ExpectCompletedAsync();
        var token = await page.Page.EvaluateAsync<string>("() => JSON.parse(sessionStorage.getItem('iteration-streaming-sample.current')).token");
        var popup = await page.Page.Context.RunAndWaitForPageAsync(() => page.Files.First.ClickAsync());
        await Expect(popup.Locator("body")).Not.ToBeEmptyAsync();
        var refused = await page.Page.APIRequest.GetAsync(new Uri(server.BaseAddress, $"/generations/{id}/stream?token={token}x").ToString());
        refused.Status.Should().Be(401);

        server.Logs.Records.Should().Contain(r => r.Contains(id, StringComparison.Ordinal), "runs are logged with their generation id");
        server.Logs.Records.Should().NotContain(r => r.Contains(token, StringComparison.Ordinal));
        server.Logs.Records.Should().NotContain(r => r.Contains(token.Split('.')[1], StringComparison.Ordinal), "not even the signature alone");
    }
}
