# A client of the ticketing gRPC API written with Python's grpcio, from stubs protoc generates out of
# libs/contracts/proto alone: another language's gRPC stack than the server's (grpc-js). Run by
# apps/ticketing/src/grpc-python-client.e2e.spec.ts:
#   python3 grpc-python-client.py STUBS_DIR HOST:PORT CUSTOMER_TOKEN AGENT_TOKEN OTHER_CUSTOMER_TOKEN
# Exits 1 at the first check that fails, naming it.
import sys, uuid

stubs, addr, customer, agent, stranger = sys.argv[1:6]
sys.path.insert(0, stubs)
import grpc
from ticketing.intake.v1 import tickets_pb2 as t, tickets_pb2_grpc as tg
from ticketing.routing.v1 import routing_pb2 as r, routing_pb2_grpc as rg
from google.rpc import status_pb2, error_details_pb2

ch = grpc.insecure_channel(addr)
tickets = tg.TicketServiceStub(ch)
routing = rg.RoutingServiceStub(ch)
auth = lambda tok: [('authorization', 'Bearer ' + tok)]
ok = 0
def check(cond, what):
    global ok
    if not cond:
        print('FAIL', what); sys.exit(1)
    ok += 1; print('ok', what)

key = str(uuid.uuid4())
req = t.OpenTicketRequest(channel=t.CHANNEL_CHAT, body='Someone logged into my account and withdrew my USDT, I did not do it!', chat=t.ChatDetails(session_id='py-1'))
opened = tickets.OpenTicket(req, metadata=auth(customer) + [('idempotency-key', key)])
tid = opened.ticket.id
check(len(tid) > 0, 'OpenTicket returns an id: ' + tid)
again = tickets.OpenTicket(req, metadata=auth(customer) + [('idempotency-key', key)])
check(again.ticket.id == tid, 'the same idempotency key answers the same ticket')
got = tickets.GetTicket(t.GetTicketRequest(ticket_id=tid), metadata=auth(customer))
check(got.id == tid, 'GetTicket')
page = tickets.ListTickets(t.ListTicketsRequest(), metadata=auth(customer))
check(any(x.id == tid for x in page.items), 'ListTickets has it')
# bad input: empty body -> INVALID_ARGUMENT with google.rpc.Status + BadRequest in trailers
try:
    tickets.OpenTicket(t.OpenTicketRequest(channel=t.CHANNEL_CHAT, body='', chat=t.ChatDetails(session_id='py-2')), metadata=auth(customer))
    check(False, 'empty body refused')
except grpc.RpcError as e:
    check(e.code() == grpc.StatusCode.INVALID_ARGUMENT, 'empty body -> INVALID_ARGUMENT: ' + e.details())
    trailers = dict((k, v) for k, v in e.trailing_metadata())
    st = status_pb2.Status.FromString(trailers['grpc-status-details-bin'])
    kinds = [d.type_url for d in st.details]
    check(any(k.endswith('google.rpc.ErrorInfo') for k in kinds) and any(k.endswith('google.rpc.BadRequest') for k in kinds), 'status details: ' + ', '.join(kinds))
    for d in st.details:
        if d.type_url.endswith('BadRequest'):
            br = error_details_pb2.BadRequest(); d.Unpack(br)
            check(len(br.field_violations) > 0, 'BadRequest names ' + ', '.join(v.field for v in br.field_violations))
# forged token
try:
    tickets.GetTicket(t.GetTicketRequest(ticket_id=tid), metadata=auth(customer[:-4] + 'AAAA'))
    check(False, 'forged token refused')
except grpc.RpcError as e:
    check(e.code() == grpc.StatusCode.UNAUTHENTICATED, 'forged token -> UNAUTHENTICATED')
try:
    tickets.GetTicket(t.GetTicketRequest(ticket_id=tid), metadata=auth(stranger))
    check(False, "another customer's ticket hidden")
except grpc.RpcError as e:
    check(e.code() == grpc.StatusCode.NOT_FOUND, "another customer's ticket -> NOT_FOUND")
# watch: from position 0 -> sees TicketOpened first
stream = tickets.WatchTicket(t.WatchTicketRequest(ticket_id=tid, from_position=0), metadata=auth(customer), timeout=10)
seen = []
for change in stream:
    seen.append(change.event_type)
    if 'TicketQueued' in seen: break
stream.cancel()
check(seen[0] == 'TicketOpened' and 'TicketQueued' in seen, 'WatchTicket streams ' + ' → '.join(seen))
c = routing.ClassifyText(r.ClassifyTextRequest(body='I sent USDT on BEP20 but it has not arrived after 2 hours, txid 0xabc', channel=t.CHANNEL_CHAT), metadata=auth(customer))
check(c.confidence > 0, 'ClassifyText: %s %s %.2f' % (r.Category.Name(c.category), r.Priority.Name(c.priority), c.confidence))
routed = routing.GetTicketRouting(r.GetTicketRoutingRequest(ticket_id=tid), metadata=auth(agent))
check(routed.queue != '', 'GetTicketRouting: queue ' + routed.queue)
print('all', ok, 'checks passed')
