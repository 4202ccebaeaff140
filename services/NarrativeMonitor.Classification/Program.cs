using NarrativeMonitor.Classification;
using NarrativeMonitor.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddClassificationServices();
builder.AddMessaging(bus => bus.AddClassificationConsumers());
var app = builder.Build();
app.MapDefaultEndpoints();
app.MapClassificationEndpoints();
app.Run();
