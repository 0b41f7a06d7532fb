//+------------------------------------------------------------------+
//| AitBridge.mq5: streams every tick, account, position and order    |
//| of this terminal to the aitrading data-bridge and executes the    |
//| orders it sends back. Native sockets only: no DLL, no Python.     |
//| Protocol: TCP, one JSON object per line (docs/mt5.md).            |
//+------------------------------------------------------------------+
#property copyright "aitrading"
#property version   "1.00"
#property description "aitrading bridge: ticks, executions and snapshots over TCP; orders back."
#property strict

input string InpHost           = "127.0.0.1"; // data-bridge host (add it to Tools > Options > Expert Advisors > allowed URLs)
input int    InpPort           = 8101;        // native MT5 port ([mt5] native_port)
input string InpToken          = "";          // token of this terminal's tenant ([[mt5.tokens]])
input string InpSymbols        = "";          // symbols to stream, comma-separated; empty: Market Watch
input int    InpTimerMs        = 50;          // how often new ticks are collected (CopyTicks)
input int    InpMaxBatch       = 500;         // ticks per message (keeps lines well under 64 KiB)
input int    InpResendCapacity = 20000;       // messages kept until the server confirms them
input int    InpHeartbeatSec   = 5;           // heartbeat interval
input int    InpSilenceSec     = 15;          // reconnect after this long without hearing the server
input bool   InpUseTls         = false;       // TLS on the connection
input string InpSession        = "";          // session name; empty: terminal and account
input ulong  InpMagic          = 20260101;    // magic number of the orders this EA places
input int    InpDeviation      = 10;          // maximum slippage of market orders, in points

// Connection.
int      g_socket = INVALID_HANDLE;
bool     g_welcomed = false;
string   g_inbox = "";
datetime g_lastHeard = 0;
datetime g_lastSent = 0;
datetime g_nextConnect = 0;
int      g_backoffSec = 1;

// Sequences: ours (every data message) and the last one of the server we processed.
ulong    g_nextSeq = 1;
ulong    g_lastServerSeq = 0;

// Resend buffer: a ring of the messages the server has not confirmed yet.
string   g_buffer[];
ulong    g_bufferSeq[];
int      g_bufferStart = 0;
int      g_bufferCount = 0;

// Ticks: per symbol the last millisecond sent and how many ticks of that millisecond went out
// (CopyTicks from a millisecond returns that millisecond's ticks again).
string   g_symbols[];
long     g_lastMsc[];
int      g_sentAtLastMsc[];

// Client order ids of the orders this EA placed, by order ticket.
ulong    g_orderTickets[];
string   g_orderCids[];

bool     g_halted = false;   // emergency stop received: no new orders

//+------------------------------------------------------------------+
int OnInit()
  {
   if(InpToken == "")
     {
      Print("AitBridge: set InpToken to the token of this terminal's tenant");
      return(INIT_PARAMETERS_INCORRECT);
     }
   ArrayResize(g_buffer, InpResendCapacity);
   ArrayResize(g_bufferSeq, InpResendCapacity);
   LoadSymbols();
   EventSetMillisecondTimer(MathMax(10, InpTimerMs));
   return(INIT_SUCCEEDED);
  }

void OnDeinit(const int reason)
  {
   EventKillTimer();
   Disconnect("deinit");
  }

void OnTick() { }  // ticks are collected on the timer for every symbol

void OnTimer()
  {
   if(g_socket == INVALID_HANDLE)
     {
      if(TimeLocal() >= g_nextConnect) Connect();
      if(g_socket == INVALID_HANDLE) return;
     }
   ReadServer();
   if(g_socket == INVALID_HANDLE || !g_welcomed) return;
   CollectTicks();
   if(TimeLocal() - g_lastSent >= InpHeartbeatSec) SendControl(StringFormat("{\"t\":\"hb\",\"last_seq_seen\":%I64u}", g_lastServerSeq));
   if(TimeLocal() - g_lastHeard > InpSilenceSec) Disconnect("server silent");
  }

//+------------------------------------------------------------------+
//| Symbols and ticks                                                 |
//+------------------------------------------------------------------+
void LoadSymbols()
  {
   string names[];
   int n = 0;
   if(InpSymbols != "")
      n = StringSplit(InpSymbols, ',', names);
   else
     {
      n = SymbolsTotal(true);
      ArrayResize(names, n);
      for(int i = 0; i < n; i++) names[i] = SymbolName(i, true);
     }
   ArrayResize(g_symbols, 0);
   for(int i = 0; i < n; i++)
     {
      string s = names[i];
      StringTrimLeft(s);
      StringTrimRight(s);
      if(s == "" || !SymbolSelect(s, true)) continue;
      int k = ArraySize(g_symbols);
      ArrayResize(g_symbols, k + 1);
      g_symbols[k] = s;
     }
   int count = ArraySize(g_symbols);
   ArrayResize(g_lastMsc, count);
   ArrayResize(g_sentAtLastMsc, count);
   for(int i = 0; i < count; i++)
     {
      // Start from the current tick: history before the EA started is not streamed.
      MqlTick last;
      g_lastMsc[i] = SymbolInfoTick(g_symbols[i], last) ? last.time_msc : (long)TimeTradeServer() * 1000;
      g_sentAtLastMsc[i] = 1;
     }
  }

void CollectTicks()
  {
   MqlTick ticks[];
   for(int i = 0; i < ArraySize(g_symbols); i++)
     {
      int got = CopyTicks(g_symbols[i], ticks, COPY_TICKS_ALL, (ulong)g_lastMsc[i], 10000);
      if(got <= 0) continue;
      // Skip what was already sent: the ticks of the last millisecond sent.
      int skip = 0;
      while(skip < got && ticks[skip].time_msc == g_lastMsc[i] && skip < g_sentAtLastMsc[i]) skip++;
      if(skip >= got) continue;
      int digits = (int)SymbolInfoInteger(g_symbols[i], SYMBOL_DIGITS);
      int from = skip;
      while(from < got)
        {
         int to = MathMin(got, from + MathMax(1, InpMaxBatch));
         string rows = "";
         for(int k = from; k < to; k++)
           {
            double volume = ticks[k].volume_real > 0 ? ticks[k].volume_real : (double)ticks[k].volume;
            rows += StringFormat("%s[%I64d,%s,%s,%s,%s,%u]", k == from ? "" : ",", ticks[k].time_msc,
                                 DoubleToString(ticks[k].bid, digits), DoubleToString(ticks[k].ask, digits),
                                 DoubleToString(ticks[k].last, digits), DoubleToString(volume, 2), ticks[k].flags);
           }
         SendData("ticks", StringFormat("\"symbol\":\"%s\",\"digits\":%d,\"ticks\":[%s]", JsonEscape(g_symbols[i]), digits, rows));
         from = to;
        }
      long newest = ticks[got - 1].time_msc;
      int atNewest = 0;
      for(int k = got - 1; k >= 0 && ticks[k].time_msc == newest; k--) atNewest++;
      if(newest == g_lastMsc[i]) g_sentAtLastMsc[i] += atNewest - skip; else g_sentAtLastMsc[i] = atNewest;
      g_lastMsc[i] = newest;
     }
  }

//+------------------------------------------------------------------+
//| Connection, hello/welcome, resend                                 |
//+------------------------------------------------------------------+
void Connect()
  {
   g_socket = SocketCreate();
   if(g_socket == INVALID_HANDLE) { Backoff("SocketCreate failed"); return; }
   if(!SocketConnect(g_socket, InpHost, InpPort, 3000)) { Backoff(StringFormat("cannot connect to %s:%d (error %d; is the host in the allowed URLs?)", InpHost, InpPort, GetLastError())); return; }
   if(InpUseTls && !SocketTlsHandshake(g_socket, InpHost)) { Backoff("TLS handshake failed"); return; }
   g_welcomed = false;
   g_inbox = "";
   g_lastHeard = TimeLocal();
   string terminal = TerminalInfoString(TERMINAL_COMPANY) + " " + TerminalInfoString(TERMINAL_PATH);
   string hello = StringFormat("{\"t\":\"hello\",\"seq\":1,\"token\":\"%s\",\"terminal\":\"%s\",\"account\":%I64d,"
                               "\"last_seq_seen\":%I64u,\"utc_offset_s\":%I64d,\"session\":\"%s\",\"version\":1}",
                               JsonEscape(InpToken), JsonEscape(terminal), AccountInfoInteger(ACCOUNT_LOGIN),
                               g_lastServerSeq, UtcOffsetSeconds(), JsonEscape(InpSession));
   if(!WriteLine(hello)) return;
  }

// The trade server's offset from UTC: the hello tells the server, and UTC times the server sends
// (an order's expiration) are turned into the server's time with it.
long UtcOffsetSeconds() { return (long)(TimeTradeServer() - TimeGMT()); }

datetime ServerTimeOf(const long utcSeconds) { return (datetime)(utcSeconds + UtcOffsetSeconds()); }

void Backoff(const string why)
  {
   Print("AitBridge: ", why, "; retrying in ", g_backoffSec, " s");
   if(g_socket != INVALID_HANDLE) SocketClose(g_socket);
   g_socket = INVALID_HANDLE;
   g_welcomed = false;
   g_nextConnect = TimeLocal() + g_backoffSec;
   g_backoffSec = MathMin(30, g_backoffSec * 2);
  }

void Disconnect(const string why)
  {
   if(g_socket == INVALID_HANDLE) return;
   Print("AitBridge: disconnected (", why, ")");
   SocketClose(g_socket);
   g_socket = INVALID_HANDLE;
   g_welcomed = false;
   g_nextConnect = TimeLocal() + 1;
  }

void OnWelcome(const string line)
  {
   ulong seen = (ulong)JsonNumber(line, "last_seq_seen");
   Confirm(seen);
   g_welcomed = true;
   g_backoffSec = 1;
   Print("AitBridge: connected; server had our messages up to ", seen, ", resending ", g_bufferCount);
   for(int i = 0; i < g_bufferCount; i++)
      if(!WriteLine(g_buffer[(g_bufferStart + i) % InpResendCapacity])) return;
   SendSnapshots();  // reconcile after every reconnect
  }

// Drops the buffered messages the server confirmed.
void Confirm(const ulong seen)
  {
   while(g_bufferCount > 0 && g_bufferSeq[g_bufferStart] <= seen)
     {
      g_buffer[g_bufferStart] = "";
      g_bufferStart = (g_bufferStart + 1) % InpResendCapacity;
      g_bufferCount--;
     }
  }

// Sends a sequenced message and keeps it until the server confirms it.
void SendData(const string type, const string fields)
  {
   string line = StringFormat("{\"t\":\"%s\",\"seq\":%I64u,%s}", type, g_nextSeq, fields);
   if(g_bufferCount == InpResendCapacity)  // full: the oldest goes; the server reports the gap
     {
      g_bufferStart = (g_bufferStart + 1) % InpResendCapacity;
      g_bufferCount--;
     }
   int slot = (g_bufferStart + g_bufferCount) % InpResendCapacity;
   g_buffer[slot] = line;
   g_bufferSeq[slot] = g_nextSeq;
   g_bufferCount++;
   g_nextSeq++;
   if(g_socket != INVALID_HANDLE && g_welcomed) WriteLine(line);
  }

void SendControl(const string line) { if(g_socket != INVALID_HANDLE) WriteLine(line); }

bool WriteLine(const string line)
  {
   uchar bytes[];
   int n = StringToCharArray(line + "\n", bytes, 0, WHOLE_ARRAY, CP_UTF8) - 1;  // without the NUL
   int sent = InpUseTls ? SocketTlsSend(g_socket, bytes, n) : SocketSend(g_socket, bytes, n);
   if(sent != n) { Disconnect(StringFormat("send failed (error %d)", GetLastError())); return false; }
   g_lastSent = TimeLocal();
   return true;
  }

void ReadServer()
  {
   while(g_socket != INVALID_HANDLE)
     {
      uint available = SocketIsReadable(g_socket);
      if(available == 0)
        {
         if(!SocketIsConnected(g_socket)) Disconnect("closed by the server");
         return;
        }
      uchar bytes[];
      int n = InpUseTls ? SocketTlsRead(g_socket, bytes, available) : SocketRead(g_socket, bytes, available, 100);
      if(n <= 0) { Disconnect("read failed"); return; }
      g_lastHeard = TimeLocal();
      g_inbox += CharArrayToString(bytes, 0, n, CP_UTF8);
      int nl;
      while(g_socket != INVALID_HANDLE && (nl = StringFind(g_inbox, "\n")) >= 0)
        {
         string line = StringSubstr(g_inbox, 0, nl);
         g_inbox = StringSubstr(g_inbox, nl + 1);
         OnServerLine(line);
        }
     }
  }

void OnServerLine(const string line)
  {
   string type = JsonString(line, "t");
   if(type == "welcome") { OnWelcome(line); return; }
   if(type == "hb") { Confirm((ulong)JsonNumber(line, "last_seq_seen")); return; }
   if(type == "error") { Print("AitBridge: server error: ", line); return; }
   ulong seq = (ulong)JsonNumber(line, "seq");
   if(seq == 0) { Print("AitBridge: server message without seq: ", line); return; }
   if(seq <= g_lastServerSeq) return;  // resent after a reconnect, already done
   g_lastServerSeq = seq;
   if(type == "order") PlaceOrder(line);
   else if(type == "cancel") CancelOrder(line);
   else if(type == "modify") ModifyOrder(line);
   else if(type == "close") ClosePosition(line);
   else if(type == "stop") { g_halted = true; Print("AitBridge: emergency stop: ", JsonString(line, "reason")); }
   else if(type == "get") SendSnapshot(JsonString(line, "what"));
   else if(type == "config") Print("AitBridge: settings from the server: ", line);
   else Print("AitBridge: unknown server message: ", line);
  }

//+------------------------------------------------------------------+
//| Orders from the server                                            |
//+------------------------------------------------------------------+
// The client order id travels in the comment ("ait:<cid>"), so a resent order is recognised.
bool AlreadyPlaced(const string cid)
  {
   string comment = "ait:" + cid;
   for(int i = OrdersTotal() - 1; i >= 0; i--)
      if(OrderGetTicket(i) > 0 && OrderGetString(ORDER_COMMENT) == comment) return true;
   for(int i = PositionsTotal() - 1; i >= 0; i--)
      if(PositionGetTicket(i) > 0 && PositionGetString(POSITION_COMMENT) == comment) return true;
   if(HistorySelect(TimeCurrent() - 7 * 86400, TimeCurrent() + 86400))
      for(int i = HistoryOrdersTotal() - 1; i >= 0; i--)
        {
         ulong ticket = HistoryOrderGetTicket(i);
         if(ticket > 0 && HistoryOrderGetString(ticket, ORDER_COMMENT) == comment) return true;
        }
   return false;
  }

ENUM_ORDER_TYPE_FILLING FillingOf(const string symbol)
  {
   long modes = SymbolInfoInteger(symbol, SYMBOL_FILLING_MODE);
   if((modes & SYMBOL_FILLING_FOK) != 0) return ORDER_FILLING_FOK;
   if((modes & SYMBOL_FILLING_IOC) != 0) return ORDER_FILLING_IOC;
   return ORDER_FILLING_RETURN;
  }

// The server's order in MT5's own terms: order_type (ENUM_ORDER_TYPE 0-7), type_time
// (ENUM_ORDER_TYPE_TIME 0-2), expiration (UTC seconds, with ORDER_TIME_SPECIFIED), type_filling
// (ENUM_ORDER_TYPE_FILLING 0-2), comment ("ait:<cid>"), order_type_name and digits. Servers
// that send only side and type (market, limit, stop, stop_limit) are still understood. Returns ""
// with the request filled in, or why the order cannot be placed: a value the EA does not know is
// refused, never replaced by a default (messages fit the 80 characters of a reject reason).
string OrderRequestOf(const string line, const string cid, MqlTradeRequest &request)
  {
   string symbol = JsonString(line, "symbol");
   if(symbol == "" || !SymbolSelect(symbol, true)) return StringFormat("unknown symbol '%s'", symbol);
   // What side and type say, as an ORDER_TYPE (-1: not sent).
   long fromKind = -1;
   string side = JsonString(line, "side");
   string kind = JsonString(line, "type");
   if(side != "" || kind != "")
     {
      int k = kind == "market" ? 0 : kind == "limit" ? 2 : kind == "stop" ? 4 : kind == "stop_limit" ? 6 : -1;
      if(k < 0 || (side != "buy" && side != "sell"))
         return StringFormat("side '%s' and type '%s' are not an order the EA knows", side, kind);
      fromKind = k + (side == "sell" ? 1 : 0);
     }
   long orderType = fromKind;
   if(JsonHas(line, "order_type"))
     {
      if(!JsonInteger(line, "order_type", orderType) || orderType < ORDER_TYPE_BUY || orderType > ORDER_TYPE_SELL_STOP_LIMIT)
         return StringFormat("order_type %s is not an ORDER_TYPE the EA places (0-7)", JsonToken(line, "order_type"));
      if(fromKind >= 0 && fromKind != orderType)
         return StringFormat("order_type %I64d contradicts side '%s' and type '%s'", orderType, side, kind);
     }
   if(orderType < 0) return "the order has neither order_type nor side and type";
   ENUM_ORDER_TYPE type = (ENUM_ORDER_TYPE)orderType;
   string name = JsonString(line, "order_type_name");
   if(JsonHas(line, "order_type_name") && name != EnumToString(type))
      return StringFormat("order_type_name '%s' does not match order_type %I64d", name, orderType);

   long digits = SymbolInfoInteger(symbol, SYMBOL_DIGITS);
   if(JsonHas(line, "digits"))
     {
      long sent = -1;
      if(!JsonInteger(line, "digits", sent) || sent < 0 || sent > 12)
         return StringFormat("digits %s is not a number of decimals (0-12)", JsonToken(line, "digits"));
      digits = sent;
     }
   long typeTime = ORDER_TIME_GTC;
   if(JsonHas(line, "type_time") &&
      (!JsonInteger(line, "type_time", typeTime) || typeTime < ORDER_TIME_GTC || typeTime > ORDER_TIME_SPECIFIED))
      return StringFormat("type_time %s is not 0 (GTC), 1 (DAY) or 2 (SPECIFIED)", JsonToken(line, "type_time"));
   long expiration = 0;
   if(JsonHas(line, "expiration"))
     {
      if(!JsonInteger(line, "expiration", expiration) || expiration <= 0)
         return StringFormat("expiration %s is not a time in UTC seconds", JsonToken(line, "expiration"));
      if(typeTime != ORDER_TIME_SPECIFIED) return "expiration goes with type_time 2 (ORDER_TIME_SPECIFIED) only";
      if(expiration <= (long)TimeGMT()) return StringFormat("expiration %I64d (UTC) has passed", expiration);
     }
   else if(typeTime == ORDER_TIME_SPECIFIED)
      return "type_time ORDER_TIME_SPECIFIED needs an expiration";
   long filling = -1;  // not sent: the symbol's mode for market orders, RETURN for pending ones
   if(JsonHas(line, "type_filling") &&
      (!JsonInteger(line, "type_filling", filling) || filling < ORDER_FILLING_FOK || filling > ORDER_FILLING_RETURN))
      return StringFormat("type_filling %s is not 0 (FOK), 1 (IOC) or 2 (RETURN)", JsonToken(line, "type_filling"));
   string comment = "ait:" + cid;
   if(JsonHas(line, "comment") && JsonString(line, "comment") != comment)
      return StringFormat("comment '%s' is not 'ait:' and the order's cid", JsonString(line, "comment"));
   if(StringLen(comment) > 31) return "the cid does not fit the 31 characters of an MT5 comment with 'ait:'";

   double volume = JsonNumber(line, "volume");
   if(volume <= 0) return "volume must be > 0 lots";
   double price = NormalizeDouble(JsonNumber(line, "price"), (int)digits);
   double stopPrice = NormalizeDouble(JsonNumber(line, "stop_price"), (int)digits);
   double sl = NormalizeDouble(JsonNumber(line, "sl"), (int)digits);
   double tp = NormalizeDouble(JsonNumber(line, "tp"), (int)digits);
   if(sl < 0 || tp < 0) return "sl and tp must be >= 0 (0: none)";

   bool market = type == ORDER_TYPE_BUY || type == ORDER_TYPE_SELL;
   bool stopLimit = type == ORDER_TYPE_BUY_STOP_LIMIT || type == ORDER_TYPE_SELL_STOP_LIMIT;
   bool stop = type == ORDER_TYPE_BUY_STOP || type == ORDER_TYPE_SELL_STOP || stopLimit;
   request.symbol = symbol;
   request.type = type;
   request.volume = volume;
   request.sl = sl;
   request.tp = tp;
   request.magic = InpMagic;
   request.comment = comment;
   if(market)
     {
      request.action = TRADE_ACTION_DEAL;
      request.price = type == ORDER_TYPE_BUY ? SymbolInfoDouble(symbol, SYMBOL_ASK) : SymbolInfoDouble(symbol, SYMBOL_BID);
      request.deviation = (ulong)InpDeviation;
      long position = (long)JsonNumber(line, "position");
      if(position > 0) request.position = (ulong)position;
     }
   else
     {
      request.action = TRADE_ACTION_PENDING;
      // A stop triggers at stop_price; a stop-limit then places its limit at price.
      if(stop && stopPrice <= 0) return StringFormat("%s needs stop_price > 0", EnumToString(type));
      if(!stop && price <= 0) return StringFormat("%s needs price > 0", EnumToString(type));
      if(stopLimit && price <= 0) return StringFormat("%s needs price > 0 (the limit)", EnumToString(type));
      request.price = stop ? stopPrice : price;
      if(stopLimit) request.stoplimit = price;
      long modes = SymbolInfoInteger(symbol, SYMBOL_EXPIRATION_MODE);
      long needed = typeTime == ORDER_TIME_DAY ? SYMBOL_EXPIRATION_DAY : typeTime == ORDER_TIME_SPECIFIED ? SYMBOL_EXPIRATION_SPECIFIED : SYMBOL_EXPIRATION_GTC;
      if((modes & needed) == 0)
         return StringFormat("%s does not allow %s orders", symbol, EnumToString((ENUM_ORDER_TYPE_TIME)typeTime));
      request.type_time = (ENUM_ORDER_TYPE_TIME)typeTime;
      if(typeTime == ORDER_TIME_SPECIFIED) request.expiration = ServerTimeOf(expiration);
     }
   if(filling == ORDER_FILLING_FOK || filling == ORDER_FILLING_IOC)
     {
      long modes = SymbolInfoInteger(symbol, SYMBOL_FILLING_MODE);
      long needed = filling == ORDER_FILLING_FOK ? SYMBOL_FILLING_FOK : SYMBOL_FILLING_IOC;
      if((modes & needed) == 0)
         return StringFormat("%s does not allow %s", symbol, EnumToString((ENUM_ORDER_TYPE_FILLING)filling));
     }
   request.type_filling = filling >= 0 ? (ENUM_ORDER_TYPE_FILLING)filling : market ? FillingOf(symbol) : ORDER_FILLING_RETURN;
   return "";
  }

void PlaceOrder(const string line)
  {
   string cid = JsonString(line, "cid");
   string symbol = JsonString(line, "symbol");
   if(g_halted) { SendExec(cid, 0, 0, "rejected", 0, 0, 0, "emergency stop in force", "", symbol); return; }
   if(cid == "") { SendExec(cid, 0, 0, "rejected", 0, 0, 0, "the order has no cid", "", symbol); return; }
   if(AlreadyPlaced(cid)) return;  // a resend of an order already in the terminal
   MqlTradeRequest request = {};
   MqlTradeResult result = {};
   string problem = OrderRequestOf(line, cid, request);
   if(problem != "")
     {
      Print("AitBridge: order ", cid, " refused: ", problem);
      SendExec(cid, 0, 0, "rejected", 0, 0, 0, problem, "", symbol);
      return;
     }
   if(!OrderSendAsync(request, result))
      SendExec(cid, 0, 0, "rejected", result.retcode, 0, 0, result.comment, "", symbol);
  }

void CancelOrder(const string line)
  {
   MqlTradeRequest request = {};
   MqlTradeResult result = {};
   request.action = TRADE_ACTION_REMOVE;
   request.order = (ulong)JsonNumber(line, "order");
   request.comment = "ait:" + JsonString(line, "cid");
   if(!OrderSendAsync(request, result))
      SendExec(JsonString(line, "cid"), request.order, 0, "rejected", result.retcode, 0, 0, result.comment);
  }

void ModifyOrder(const string line)
  {
   MqlTradeRequest request = {};
   MqlTradeResult result = {};
   ulong ticket = (ulong)JsonNumber(line, "order");
   request.sl = JsonNumber(line, "sl");
   request.tp = JsonNumber(line, "tp");
   if(OrderSelect(ticket))
     {
      request.action = TRADE_ACTION_MODIFY;
      request.order = ticket;
      double price = JsonNumber(line, "price");
      request.price = price > 0 ? price : OrderGetDouble(ORDER_PRICE_OPEN);
     }
   else
     {
      request.action = TRADE_ACTION_SLTP;  // a position's stops
      request.position = ticket;
      if(PositionSelectByTicket(ticket)) request.symbol = PositionGetString(POSITION_SYMBOL);
     }
   if(!OrderSendAsync(request, result))
      SendExec(JsonString(line, "cid"), ticket, 0, "rejected", result.retcode, 0, 0, result.comment);
  }

void ClosePosition(const string line)
  {
   ulong ticket = (ulong)JsonNumber(line, "position");
   if(!PositionSelectByTicket(ticket)) { SendExec(JsonString(line, "cid"), ticket, 0, "rejected", 0, 0, 0, "no such position"); return; }
   MqlTradeRequest request = {};
   MqlTradeResult result = {};
   string symbol = PositionGetString(POSITION_SYMBOL);
   bool isLong = PositionGetInteger(POSITION_TYPE) == POSITION_TYPE_BUY;
   double volume = JsonNumber(line, "volume");
   request.action = TRADE_ACTION_DEAL;
   request.position = ticket;
   request.symbol = symbol;
   request.volume = volume > 0 ? volume : PositionGetDouble(POSITION_VOLUME);
   request.type = isLong ? ORDER_TYPE_SELL : ORDER_TYPE_BUY;
   request.price = isLong ? SymbolInfoDouble(symbol, SYMBOL_BID) : SymbolInfoDouble(symbol, SYMBOL_ASK);
   request.deviation = (ulong)InpDeviation;
   request.magic = InpMagic;
   request.type_filling = FillingOf(symbol);
   string cid = JsonString(line, "cid");
   if(cid != "") request.comment = "ait:" + cid;
   if(!OrderSendAsync(request, result))
      SendExec(cid, ticket, 0, "rejected", result.retcode, 0, 0, result.comment);
  }

//+------------------------------------------------------------------+
//| Execution reports                                                 |
//+------------------------------------------------------------------+
string CidOf(const ulong order, const string comment)
  {
   for(int i = ArraySize(g_orderTickets) - 1; i >= 0; i--)
      if(g_orderTickets[i] == order) return g_orderCids[i];
   if(StringFind(comment, "ait:") == 0) return StringSubstr(comment, 4);
   return StringFormat("mt5-%I64u", order);
  }

void Remember(const ulong order, const string cid)
  {
   int n = ArraySize(g_orderTickets);
   if(n >= 10000) { ArrayRemove(g_orderTickets, 0, 1000); ArrayRemove(g_orderCids, 0, 1000); n -= 1000; }
   ArrayResize(g_orderTickets, n + 1);
   ArrayResize(g_orderCids, n + 1);
   g_orderTickets[n] = order;
   g_orderCids[n] = cid;
  }

void SendExec(const string cid, const ulong order, const ulong deal, const string state, const uint retcode,
              const double price, const double volume, const string message, const string side = "",
              const string symbol = "", const double leaves = 0)
  {
   string fields = StringFormat("\"cid\":\"%s\",\"order\":%I64u,\"deal\":%I64u,\"state\":\"%s\",\"retcode\":%u,"
                                "\"price\":%.10g,\"volume\":%.8g,\"leaves\":%.8g,\"time_msc\":%I64d,\"message\":\"%s\"",
                                JsonEscape(cid), order, deal, state, retcode, price, volume, leaves,
                                (long)TimeTradeServer() * 1000, JsonEscape(message));
   if(side != "") fields += StringFormat(",\"side\":\"%s\"", side);
   if(symbol != "") fields += StringFormat(",\"symbol\":\"%s\"", JsonEscape(symbol));
   SendData("exec", fields);
  }

void OnTradeTransaction(const MqlTradeTransaction &trans, const MqlTradeRequest &request, const MqlTradeResult &result)
  {
   switch(trans.type)
     {
      case TRADE_TRANSACTION_REQUEST:
        {
         string cid = StringFind(request.comment, "ait:") == 0 ? StringSubstr(request.comment, 4) : "";
         if(cid != "" && result.order > 0) Remember(result.order, cid);
         if(result.retcode != TRADE_RETCODE_DONE && result.retcode != TRADE_RETCODE_PLACED &&
            result.retcode != TRADE_RETCODE_DONE_PARTIAL && cid != "")
            SendExec(cid, result.order, 0, "rejected", result.retcode, 0, 0, result.comment);
         break;
        }
      case TRADE_TRANSACTION_ORDER_ADD:
         if(OrderSelect(trans.order) && OrderGetInteger(ORDER_MAGIC) == (long)InpMagic)
            SendExec(CidOf(trans.order, OrderGetString(ORDER_COMMENT)), trans.order, 0, "placed", 0,
                     trans.price, trans.volume, "", "", trans.symbol);
         break;
      case TRADE_TRANSACTION_ORDER_UPDATE:
         if(OrderSelect(trans.order) && OrderGetInteger(ORDER_MAGIC) == (long)InpMagic)
            SendExec(CidOf(trans.order, OrderGetString(ORDER_COMMENT)), trans.order, 0, "modified", 0,
                     trans.price, trans.volume, "", "", trans.symbol);
         break;
      case TRADE_TRANSACTION_ORDER_DELETE:
        {
         string state = trans.order_state == ORDER_STATE_CANCELED ? "cancelled"
                      : trans.order_state == ORDER_STATE_EXPIRED ? "expired"
                      : trans.order_state == ORDER_STATE_REJECTED ? "rejected" : "";
         if(state != "") SendExec(CidOf(trans.order, ""), trans.order, 0, state, 0, 0, 0, "", "", trans.symbol);
         break;
        }
      case TRADE_TRANSACTION_DEAL_ADD:
        {
         if(!HistoryDealSelect(trans.deal)) break;
         long type = HistoryDealGetInteger(trans.deal, DEAL_TYPE);
         if(type != DEAL_TYPE_BUY && type != DEAL_TYPE_SELL) break;  // balance, credit, ...
         string comment = HistoryDealGetString(trans.deal, DEAL_COMMENT);
         double leaves = OrderSelect(trans.order) ? OrderGetDouble(ORDER_VOLUME_CURRENT) : 0;
         SendExec(CidOf(trans.order, comment), trans.order, trans.deal, leaves > 0 ? "partial" : "filled", TRADE_RETCODE_DONE,
                  trans.price, trans.volume, "", type == DEAL_TYPE_BUY ? "buy" : "sell", trans.symbol, leaves);
         SendSnapshot("positions");
         SendSnapshot("account");
         break;
        }
      default:
         break;
     }
  }

//+------------------------------------------------------------------+
//| Snapshots for reconciliation                                      |
//+------------------------------------------------------------------+
void SendSnapshots() { SendSnapshot("account"); SendSnapshot("positions"); SendSnapshot("orders"); }

void SendSnapshot(const string what)
  {
   if(what == "account")
     {
      SendData("account", StringFormat("\"login\":%I64d,\"balance\":%.2f,\"equity\":%.2f,\"margin\":%.2f,\"free_margin\":%.2f,"
                                       "\"margin_level\":%.2f,\"currency\":\"%s\",\"server\":\"%s\",\"company\":\"%s\",\"leverage\":%I64d",
                                       AccountInfoInteger(ACCOUNT_LOGIN), AccountInfoDouble(ACCOUNT_BALANCE), AccountInfoDouble(ACCOUNT_EQUITY),
                                       AccountInfoDouble(ACCOUNT_MARGIN), AccountInfoDouble(ACCOUNT_MARGIN_FREE), AccountInfoDouble(ACCOUNT_MARGIN_LEVEL),
                                       JsonEscape(AccountInfoString(ACCOUNT_CURRENCY)), JsonEscape(AccountInfoString(ACCOUNT_SERVER)),
                                       JsonEscape(AccountInfoString(ACCOUNT_COMPANY)), AccountInfoInteger(ACCOUNT_LEVERAGE)));
     }
   else if(what == "positions")
     {
      string items = "";
      for(int i = 0; i < PositionsTotal(); i++)
        {
         ulong ticket = PositionGetTicket(i);
         if(ticket == 0) continue;
         items += StringFormat("%s{\"ticket\":%I64u,\"symbol\":\"%s\",\"type\":%I64d,\"volume\":%.8g,\"price_open\":%.10g,"
                               "\"price_current\":%.10g,\"profit\":%.2f,\"swap\":%.2f,\"time\":%I64d,\"comment\":\"%s\"}",
                               items == "" ? "" : ",", ticket, JsonEscape(PositionGetString(POSITION_SYMBOL)),
                               PositionGetInteger(POSITION_TYPE), PositionGetDouble(POSITION_VOLUME),
                               PositionGetDouble(POSITION_PRICE_OPEN), PositionGetDouble(POSITION_PRICE_CURRENT),
                               PositionGetDouble(POSITION_PROFIT), PositionGetDouble(POSITION_SWAP),
                               PositionGetInteger(POSITION_TIME), JsonEscape(PositionGetString(POSITION_COMMENT)));
        }
      SendData("positions", "\"positions\":[" + items + "]");
     }
   else if(what == "orders")
     {
      string items = "";
      for(int i = 0; i < OrdersTotal(); i++)
        {
         ulong ticket = OrderGetTicket(i);
         if(ticket == 0) continue;
         items += StringFormat("%s{\"ticket\":%I64u,\"symbol\":\"%s\",\"type\":%I64d,\"volume\":%.8g,\"price_open\":%.10g,"
                               "\"sl\":%.10g,\"tp\":%.10g,\"time_setup\":%I64d,\"comment\":\"%s\",\"magic\":%I64d}",
                               items == "" ? "" : ",", ticket, JsonEscape(OrderGetString(ORDER_SYMBOL)),
                               OrderGetInteger(ORDER_TYPE), OrderGetDouble(ORDER_VOLUME_CURRENT),
                               OrderGetDouble(ORDER_PRICE_OPEN), OrderGetDouble(ORDER_SL), OrderGetDouble(ORDER_TP),
                               OrderGetInteger(ORDER_TIME_SETUP), JsonEscape(OrderGetString(ORDER_COMMENT)),
                               OrderGetInteger(ORDER_MAGIC));
        }
      SendData("orders", "\"orders\":[" + items + "]");
     }
   else
      SendData("log", StringFormat("\"message\":\"unknown snapshot '%s'\"", JsonEscape(what)));
  }

//+------------------------------------------------------------------+
//| Minimal JSON: the server's messages are flat objects              |
//+------------------------------------------------------------------+
string JsonEscape(const string text)
  {
   string out = text;
   StringReplace(out, "\\", "\\\\");
   StringReplace(out, "\"", "\\\"");
   StringReplace(out, "\n", "\\n");
   StringReplace(out, "\r", "\\r");
   StringReplace(out, "\t", "\\t");
   return out;
  }

// Returns where the value of "key" starts, or -1.
int JsonValueAt(const string line, const string key)
  {
   int at = StringFind(line, "\"" + key + "\":");
   if(at < 0) return -1;
   at += StringLen(key) + 3;
   while(at < StringLen(line) && StringGetCharacter(line, at) == ' ') at++;
   return at;
  }

string JsonString(const string line, const string key)
  {
   int at = JsonValueAt(line, key);
   if(at < 0 || StringGetCharacter(line, at) != '"') return "";
   string out = "";
   for(int i = at + 1; i < StringLen(line); i++)
     {
      ushort ch = StringGetCharacter(line, i);
      if(ch == '"') break;
      if(ch == '\\' && i + 1 < StringLen(line)) { i++; ch = StringGetCharacter(line, i); }
      out += ShortToString(ch);
     }
   return out;
  }

bool JsonHas(const string line, const string key) { return JsonValueAt(line, key) >= 0; }

// Returns the text of a scalar value as it stands (a string keeps its quotes), or "".
string JsonToken(const string line, const string key)
  {
   int at = JsonValueAt(line, key);
   if(at < 0) return "";
   int end = at;
   while(end < StringLen(line))
     {
      ushort ch = StringGetCharacter(line, end);
      if(ch == ',' || ch == '}' || ch == ']' || ch == ' ') break;
      end++;
     }
   return StringSubstr(line, at, end - at);
  }

double JsonNumber(const string line, const string key)
  {
   string text = JsonToken(line, key);
   StringReplace(text, "\"", "");  // tickets may come quoted
   return StringToDouble(text);
  }

// Reads a whole number; false when the key is absent or its value is not one (2.5, "2", true).
bool JsonInteger(const string line, const string key, long &value)
  {
   string text = JsonToken(line, key);
   int n = StringLen(text);
   if(n == 0 || n > 18) return false;
   for(int i = 0; i < n; i++)
     {
      ushort ch = StringGetCharacter(text, i);
      if((ch < '0' || ch > '9') && !(ch == '-' && i == 0 && n > 1)) return false;
     }
   value = StringToInteger(text);
   return true;
  }
//+------------------------------------------------------------------+
