// The server-side JavaScript API of Cosmos DB (getContext(), the collection's document
// operations, __ chains, console.log), loaded into each fresh V8 context (contexts.py); a
// context serves one execution, so nothing here needs protecting from the script.
//
// Operations are asynchronous, as the service documents them: each call queues a request
// and returns whether it was accepted; Python runs the queued requests on the partition
// between rounds and `__resume` hands each answer to its callback. A failed operation
// without a callback aborts the script, as on the service.
var __state = null;

function __error(number, message) {
  var error = new Error(message);
  error.number = number;
  return error;
}

function __format(args) {
  var parts = Array.prototype.slice.call(args);
  var text = typeof parts[0] === "string" ? parts.shift() : "";
  text = text.replace(/%[sdifoO]/g, function (token) {
    if (!parts.length) return token;
    var value = parts.shift();
    return typeof value === "object" ? JSON.stringify(value) : String(value);
  });
  return [text].concat(parts.map(function (p) {
    return typeof p === "object" ? JSON.stringify(p) : String(p);
  })).filter(function (p) { return p !== ""; }).join(" ");
}

var console = { log: function () { __state.log.push(__format(arguments)); } };

function __queue(operation, args, options, callback) {
  if (typeof options === "function") { callback = options; options = {}; }
  if (Date.now() >= __state.acceptUntil) return false;
  __state.requests.push({ operation: operation, args: args, options: options || {} });
  __state.callbacks.push(callback || null);
  return true;
}

function __filterQuery(query) {
  if (typeof query === "string") return { query: query, parameters: [] };
  return { query: query.query, parameters: query.parameters || [] };
}

// `__.filter/map/pluck/sortBy...` run over the logical partition's documents, in JavaScript.
function __Chain(steps) { this.steps = steps || []; }
__Chain.prototype.then = function (step) { return new __Chain(this.steps.concat([step])); };
__Chain.prototype.filter = function (p) { return this.then(function (d) { return d.filter(p); }); };
__Chain.prototype.map = function (m) { return this.then(function (d) { return d.map(m); }); };
__Chain.prototype.pluck = function (name) {
  return this.then(function (d) { return d.map(function (x) { return x[name]; }); });
};
__Chain.prototype.flatten = function (deep) {
  function flat(list) {
    return list.reduce(function (all, x) {
      return all.concat(Array.isArray(x) ? (deep ? flat(x) : x) : [x]);
    }, []);
  }
  return this.then(flat);
};
function __sorter(key, sign) {
  var f = typeof key === "function" ? key : function (x) { return x[key]; };
  return function (d) {
    return d.slice().sort(function (a, b) { var x = f(a), y = f(b); return x < y ? -sign : x > y ? sign : 0; });
  };
}
__Chain.prototype.sortBy = function (key) { return this.then(__sorter(key, 1)); };
__Chain.prototype.sortByDescending = function (key) { return this.then(__sorter(key, -1)); };
// `value()` and the `__.filter/map/...` shortcuts answer a QueryResponse, as the service's
// server-side API documents (`if (!__.filter(...).isAccepted) ...`), not a bare boolean.
__Chain.prototype.value = function (options, callback) {
  var steps = this.steps;
  if (typeof options === "function") { callback = options; options = {}; }
  return { isAccepted: __queue("readAll", [], options, function (err, docs, responseOptions) {
    if (err) { if (callback) return callback(err); throw err; }
    var result = steps.reduce(function (d, step) { return step(d); }, docs);
    if (callback) callback(undefined, result, responseOptions);
  }) };
};

function __Collection() {}
__Collection.prototype = {
  getSelfLink: function () { return __state.selfLink; },
  getAltLink: function () { return __state.altLink; },
  createDocument: function (link, body, options, callback) {
    return __queue("create", [body], options, callback);
  },
  upsertDocument: function (link, body, options, callback) {
    return __queue("upsert", [body], options, callback);
  },
  readDocument: function (link, options, callback) {
    return __queue("read", [link], options, callback);
  },
  replaceDocument: function (link, body, options, callback) {
    return __queue("replace", [link, body], options, callback);
  },
  deleteDocument: function (link, options, callback) {
    return __queue("delete", [link], options, callback);
  },
  queryDocuments: function (link, query, options, callback) {
    return __queue("query", [__filterQuery(query)], options, callback);
  },
  readDocuments: function (link, options, callback) {
    return __queue("readAll", [], options, callback);
  },
  chain: function () { return new __Chain(); },
  filter: function (p, o, c) { return new __Chain().filter(p).value(o, c); },
  map: function (m, o, c) { return new __Chain().map(m).value(o, c); },
  pluck: function (n, o, c) { return new __Chain().pluck(n).value(o, c); },
  flatten: function (d, o, c) { return new __Chain().flatten(d).value(o, c); },
  sortBy: function (k, o, c) { return new __Chain().sortBy(k).value(o, c); },
  sortByDescending: function (k, o, c) { return new __Chain().sortByDescending(k).value(o, c); },
  value: function (o, c) { return new __Chain().value(o, c); },
};
var __ = new __Collection();

// The service's runtime refuses a body past the size limit where the script sets it, with a
// 413 the script may catch (then return early and continue in another call); it counts
// characters of the value (JSON for objects), not bytes.
function __sized(value) {
  if (value !== null && value !== undefined) {
    var text = typeof value === "object" ? JSON.stringify(value) : String(value);
    if (text !== undefined && text.length > __state.maxBodySize) throw __error(413, __state.bodyTooLarge);
  }
  return value;
}

function __Message(holder) {
  // An unset body appends as the empty string, as on the service ("" + 1 + 2 is "12").
  function append(value) {
    var current = __state[holder];
    __state[holder] = __sized((current === undefined || current === null ? "" : current) + value);
  }
  return {
    getBody: function () { return __state[holder]; },
    setBody: function (value) { __state[holder] = __sized(value); },
    appendBody: append,
    appendValue: function (name, value) {
      if (name !== "Body") throw __error(400, "Only 'Body' can be appended to.");
      append(value);
    },
    getValue: function (name) { return name === "Body" ? __state[holder] : undefined; },
    setValue: function (name, value) {
      if (name !== "Body") throw __error(400, "Setting '" + name + "' is not supported.");
      __state[holder] = __sized(value);
    },
    getOperationType: function () { return __state.operationType; },
    getMaxResponseBodySize: function () { return __state.maxBodySize; },
    getMaxRequestBodySize: function () { return __state.maxBodySize; },
  };
}

// The documented shortcuts on `__`: getContext().getRequest() / getResponse().
__.request = __Message("requestBody");
__.response = __Message("responseBody");

function getContext() {
  return {
    getCollection: function () { return __; },
    getRequest: function () { return __Message("requestBody"); },
    getResponse: function () { return __Message("responseBody"); },
  };
}

function __outcome() {
  var s = __state;
  return { requests: s.requests, failure: s.failure, log: s.log,
           requestBody: s.requestBody, responseBody: s.responseBody };
}

function __guard(work) {
  __state.requests = [];
  __state.callbacks = [];
  try { work(); } catch (e) {
    __state.failure = {
      number: (e && typeof e.number === "number") ? e.number : 0,
      message: (e && e.stack) ? String(e.stack) : String(e),
    };
  }
  return __outcome();
}

// Start one execution: `setup` = {source, args, selfLink, altLink, acceptMs, maxBodySize,
// bodyTooLarge, requestBody, responseBody, operationType}.
function __start(setup) {
  __state = { log: [], failure: null, selfLink: setup.selfLink, altLink: setup.altLink,
              acceptUntil: Date.now() + setup.acceptMs,
              requestBody: setup.requestBody === null ? undefined : setup.requestBody,
              responseBody: setup.responseBody === null ? undefined : setup.responseBody,
              operationType: setup.operationType, maxBodySize: setup.maxBodySize,
              bodyTooLarge: setup.bodyTooLarge,
              requests: [], callbacks: [] };
  return __guard(function () {
    var main = (0, eval)("(" + setup.source + ")");
    if (typeof main !== "function") throw __error(400, "The script body must be a function.");
    main.apply(null, setup.args);
  });
}

// Hand the answers ({err, value, options}) of the last round to their callbacks.
function __resume(answers) {
  var callbacks = __state.callbacks;
  return __guard(function () {
    answers.forEach(function (answer, i) {
      var callback = callbacks[i];
      var err = answer.err ? __error(answer.err.number, answer.err.message) : undefined;
      if (!callback) { if (err) throw err; return; }
      callback(err, answer.value, answer.options || {});
    });
  });
}

// A UDF call inside a query, synchronously; each body is compiled once per context.
var __udfs = {};
function __udf(source, args) {
  var udf = __udfs[source] || (__udfs[source] = (0, eval)("(" + source + ")"));
  return { value: udf.apply(null, args) };
}

// What engine.py calls, as `const` bindings a script cannot reassign, holding the built-ins
// as they were before any script ran: a script that replaces `JSON.stringify` or
// `Function.prototype.apply` still hands back a readable outcome (or fails as a 400).
const __json = JSON.stringify;
const __apply = Reflect.apply;
const __entries = Object.freeze({ start: __start, resume: __resume, udf: __udf });
const __transport = function (name, args) { return __json(__apply(__entries[name], null, args)); };
