using NarrativeMonitor.Ingest;
using NarrativeMonitor.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddIngestServices();
builder.AddMessaging(bus => bus.AddIngestConsumers());
var app = builder.Build();
app.MapDefaultEndpoints();
app.MapIngestEndpoints();
app.Run();
