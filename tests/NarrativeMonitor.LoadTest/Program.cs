// nm-loadtest: N synthetic articles through the distributed pipeline (gRPC client streams -> ingest -> RabbitMQ ->
// classification -> alert, state in Redis) against K active claims; prints throughput and latency percentiles
// (submitted -> classified, submitted -> evaluated) and, as the LAST line of stdout, a JSON summary. Progress -> stderr.
//
// Self-hosted (the three services in this process, each its own WebApplication, unique prefix per run):
//   dotnet run -c Release --project tests/NarrativeMonitor.LoadTest -- --self-host --redis 127.0.0.1:16379 \
//     --rabbitmq amqp://guest:guest@127.0.0.1:17672/ --articles 20000 --claims 100 [--rate 1000]
// Against a running deployment (the observer queue binds under the deployment's Messaging:EntityPrefix):
//   dotnet run -c Release --project tests/NarrativeMonitor.LoadTest -- --ingest http://host:5101 \
//     --classification http://host:5201 --alerts http://host:5301 --rabbitmq amqp://user:pw@host:5672/ --entity-prefix nm
using NarrativeMonitor.LoadTest;

return await LoadTestCommand.Build().Parse(args).InvokeAsync();
