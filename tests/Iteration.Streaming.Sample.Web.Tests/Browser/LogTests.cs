using Iteration.Streaming.Sample.Web.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Iteration.Streaming.Sample.Web.Tests.Browser;

/// <summary>The sample's logs are structured and never carry a token, even with every category at Trace.</summary>
[Collection(BrowserCollection.Name)]
public sealed class LogTests(BrowserFixture browser)
{
    [Fact]
    public async Task Logs_AtTraceLevel_OfARunWithFileReadsACancelAndARefusedToken_NeverContainAToken()
    {
        await using var server = await SampleServer.StartAsync(settings: ["--Logging:LogLevel:Default=Trace", "--Logging:LogLevel:Microsoft=Trace", "--Logging:LogLevel:Microsoft.AspNetCore=Trace"]);
        var page = new SamplePage(await browser.NewPageAsync());
        await page.OpenAsync(server.BaseAddress);
        var id = await page.StartAsync();
        await page.ExpectCompletedAsync();
        var readToken = await page.CurrentAsync("readToken");
        var controlToken = await page.CurrentAsync("controlToken");

        // A preview (token in the header), a download link (token in the query), a cancel (control token in the header).
        await page.File("Program.cs").ClickAsync();
        await Expect(page.PreviewText()).Not.ToBeEmptyAsync();
        var download = await page.Page.APIRequest.GetAsync(new Uri(server.BaseAddress, (await page.File("Program.cs").GetAttributeAsync("href"))!).ToString());
        download.Status.Should().Be(200);
        await page.Page.APIRequest.DeleteAsync(new Uri(server.BaseAddress, $"/generations/{id}").ToString(), new() { Headers = new Dictionary<string, string> { ["Authorization"] = $"Bearer {controlToken}" } });
        var refused = await page.Page.APIRequest.GetAsync(new Uri(server.BaseAddress, $"/generations/{id}/stream?token={readToken}x").ToString());
        refused.Status.Should().Be(401);

        server.Logs.Records.Should().Contain(r => r.Contains(id, StringComparison.Ordinal), "runs are logged with their generation id");
        foreach (var token in new[] { readToken, controlToken })
        {
            var signature = token.Split('.').Last();
            server.Logs.Records.Should().NotContain(r => r.Contains(token, StringComparison.Ordinal));
            server.Logs.Records.Should().NotContain(r => r.Contains(signature, StringComparison.Ordinal), "not even the signature alone");
        }
    }
}
