// The line page's network chart (Cytoscape.js) and map (Leaflet), loaded only on that page.
// Data come from data-* attributes the page renders and from the API: the content security
// policy allows no inline script or style. Everything drawn here is also in the page's tables.
(function () {
  'use strict'

  var COLOURS = {
    line: '#0b0c0c',
    number: '#1d70b8',
    handset: '#505a5f',
    controller: '#4c2c92',
    runner: '#f47738',
    cuckooed: '#00703c',
    person: '#4c2c92',
    contact: '#b1b4b6',
    child: '#d4351c',
    edge: '#6f777b'
  }
  var SHAPES = { line: 'diamond', number: 'ellipse', handset: 'round-rectangle', person: 'round-triangle', contact: 'ellipse' }
  var SIZES = { line: 44, number: 30, handset: 26, person: 30, contact: 18 }

  function colourOf (data) {
    if (data.kind === 'person') return COLOURS[data.role] || COLOURS.person
    return COLOURS[data.kind] || COLOURS.contact
  }

  function elementsOf (network) {
    var nodes = network.nodes.map(function (node) {
      var data = Object.assign({}, node, { colour: colourOf(node) })
      var classes = [node.kind]
      if (node.possible_child) classes.push('possible-child')
      return { group: 'nodes', data: data, classes: classes.join(' ') }
    })
    var edges = network.edges.map(function (edge) {
      return { group: 'edges', data: Object.assign({}, edge), classes: edge.kind }
    })
    return nodes.concat(edges)
  }

  function style () {
    return [
      {
        selector: 'node',
        style: {
          'background-color': 'data(colour)',
          shape: function (node) { return SHAPES[node.data('kind')] || 'ellipse' },
          width: function (node) { return SIZES[node.data('kind')] || 24 },
          height: function (node) { return SIZES[node.data('kind')] || 24 },
          label: 'data(label)',
          'font-size': 11,
          'font-family': 'Arial, sans-serif',
          color: '#0b0c0c',
          'text-valign': 'bottom',
          'text-margin-y': 4,
          'text-wrap': 'wrap',
          'text-max-width': 140
        }
      },
      { selector: 'node.possible-child', style: { 'border-width': 5, 'border-color': COLOURS.child } },
      { selector: 'node:selected', style: { 'overlay-color': '#ffdd00', 'overlay-opacity': 0.5, 'overlay-padding': 6 } },
      { selector: 'node.keyboard', style: { 'border-width': 4, 'border-color': '#0b0c0c', 'overlay-color': '#ffdd00', 'overlay-opacity': 0.8, 'overlay-padding': 8 } },
      {
        selector: 'edge',
        style: {
          width: 2,
          'line-color': COLOURS.edge,
          'curve-style': 'bezier',
          label: 'data(label)',
          'font-size': 9,
          color: '#505a5f',
          'text-rotation': 'autorotate',
          'text-background-color': '#ffffff',
          'text-background-opacity': 1
        }
      },
      { selector: 'edge.succeeded_by', style: { 'target-arrow-shape': 'triangle', 'target-arrow-color': COLOURS.edge, 'line-style': 'dashed' } },
      { selector: 'edge.in_contact, edge.contact', style: { 'line-color': '#b1b4b6' } },
      { selector: '.filtered-out', style: { display: 'none' } }
    ]
  }

  // --- the date filter: hide what was not in use on any day between from and to ------------

  function inWindow (data, since, until) {
    var start = data.valid_from ? Date.parse(data.valid_from) : null
    var end = data.valid_to ? Date.parse(data.valid_to) : null
    if (until !== null && start !== null && start > until) return false
    if (since !== null && end !== null && end < since) return false
    return true
  }

  function dayBound (value, endOfDay) {
    if (!value) return null
    var t = Date.parse(value + (endOfDay ? 'T23:59:59.999Z' : 'T00:00:00Z'))
    return isNaN(t) ? null : t
  }

  function applyWindow (cy, form) {
    var since = dayBound(form.elements.from.value, false)
    var until = dayBound(form.elements.to.value, true)
    if (since !== null && until !== null && until < since) {
      return 'The to date must be the same as or after the from date.'
    }
    cy.batch(function () {
      cy.elements().removeClass('filtered-out')
      cy.nodes().forEach(function (node) {
        if (!inWindow(node.data(), since, until)) node.addClass('filtered-out')
      })
      cy.edges().forEach(function (edge) {
        var hidden = !inWindow(edge.data(), since, until) ||
          edge.source().hasClass('filtered-out') || edge.target().hasClass('filtered-out')
        if (hidden) edge.addClass('filtered-out')
      })
    })
    var shown = cy.nodes().not('.filtered-out').length
    return 'Showing ' + shown + ' of ' + cy.nodes().length + ' nodes.'
  }

  // --- expanding a number: its most frequent contacts, from the API --------------------------

  function expand (cy, lineId, number, say) {
    var url = '/api/lines/' + encodeURIComponent(lineId) + '/contacts?limit=10&number=' + encodeURIComponent(number)
    say('Finding the contacts of ' + number + '…')
    return fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (response) {
        if (!response.ok) throw new Error('the server answered ' + response.status)
        return response.json()
      })
      .then(function (found) {
        var from = cy.nodes().filter(function (n) { return n.data('number') === found.number })
        if (from.empty()) return
        var source = from[0]
        var added = 0
        cy.batch(function () {
          found.contacts.forEach(function (contact) {
            var known = cy.nodes().filter(function (n) { return n.data('number') === contact.number })
            var targetId = known.empty() ? 'contact:' + contact.number : known[0].id()
            if (known.empty() && cy.getElementById(targetId).empty()) {
              cy.add({
                group: 'nodes',
                data: { id: targetId, kind: 'contact', label: contact.number, number: null, colour: COLOURS.contact, valid_from: contact.first, valid_to: contact.last },
                classes: 'contact',
                position: { x: source.position('x') + (Math.random() - 0.5) * 160, y: source.position('y') + (Math.random() - 0.5) * 160 }
              })
            }
            var edgeId = 'expanded:' + source.id() + ':' + targetId
            if (cy.getElementById(edgeId).empty() && targetId !== source.id()) {
              cy.add({ group: 'edges', data: { id: edgeId, source: source.id(), target: targetId, kind: 'contact', label: contact.events + ' events', valid_from: contact.first, valid_to: contact.last }, classes: 'contact' })
              added += 1
            }
          })
        })
        cy.layout({ name: 'cose', animate: false, fit: true, randomize: false }).run()
        say(found.contacts.length
          ? 'Added ' + added + ' connection' + (added === 1 ? '' : 's') + ' to the most frequent contacts of ' + found.number + '.'
          : 'No contacts of ' + found.number + ' are held in the communications data.')
      })
      .catch(function (error) { say('The contacts could not be shown: ' + error.message + '.') })
  }

  // --- exports ----------------------------------------------------------------------------------

  function download (blob, name) {
    var link = document.createElement('a')
    link.href = URL.createObjectURL(blob)
    link.download = name
    document.body.appendChild(link)
    link.click()
    setTimeout(function () { URL.revokeObjectURL(link.href); link.remove() }, 1000)
  }

  function xml (text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' }[c]
    })
  }

  function shapeSvg (node) {
    var p = node.position()
    var w = node.width()
    var h = node.height()
    var fill = node.data('colour')
    var ring = node.hasClass('possible-child') ? ' stroke="' + COLOURS.child + '" stroke-width="5"' : ''
    var kind = node.data('kind')
    if (kind === 'handset') {
      return '<rect x="' + (p.x - w / 2) + '" y="' + (p.y - h / 2) + '" width="' + w + '" height="' + h + '" rx="4" fill="' + fill + '"' + ring + '/>'
    }
    if (kind === 'line') {
      var d = [[p.x, p.y - h / 2], [p.x + w / 2, p.y], [p.x, p.y + h / 2], [p.x - w / 2, p.y]]
      return '<polygon points="' + d.map(function (q) { return q.join(',') }).join(' ') + '" fill="' + fill + '"' + ring + '/>'
    }
    if (kind === 'person') {
      var t = [[p.x, p.y - h / 2], [p.x + w / 2, p.y + h / 2], [p.x - w / 2, p.y + h / 2]]
      return '<polygon points="' + t.map(function (q) { return q.join(',') }).join(' ') + '" fill="' + fill + '"' + ring + '/>'
    }
    return '<ellipse cx="' + p.x + '" cy="' + p.y + '" rx="' + w / 2 + '" ry="' + h / 2 + '" fill="' + fill + '"' + ring + '/>'
  }

  // A small serialiser of what is shown: positions, shapes, colours and labels.
  function svgOf (cy, title) {
    var shown = cy.elements().not('.filtered-out')
    var box = shown.boundingBox({ includeLabels: true })
    // SVG text does not wrap as Cytoscape's labels do: leave room for a long label either side.
    var padX = 80
    var padY = 20
    var x = box.x1 - padX
    var y = box.y1 - padY
    var w = box.w + 2 * padX
    var h = box.h + 2 * padY
    var parts = [
      '<svg xmlns="http://www.w3.org/2000/svg" width="' + Math.ceil(w) + '" height="' + Math.ceil(h) + '"' +
        ' viewBox="' + x + ' ' + y + ' ' + w + ' ' + h + '">',
      '<title>' + xml(title) + '</title>',
      '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse">' +
        '<path d="M 0 0 L 10 5 L 0 10 z" fill="' + COLOURS.edge + '"/></marker></defs>',
      '<rect x="' + x + '" y="' + y + '" width="' + w + '" height="' + h + '" fill="#ffffff"/>'
    ]
    shown.edges().forEach(function (edge) {
      var s = edge.source().position()
      var t = edge.target().position()
      var dashed = edge.hasClass('succeeded_by')
      parts.push('<line x1="' + s.x + '" y1="' + s.y + '" x2="' + t.x + '" y2="' + t.y + '" stroke="' + edge.style('line-color') + '" stroke-width="2"' +
        (dashed ? ' stroke-dasharray="6 4" marker-end="url(#arrow)"' : '') + '/>')
      if (edge.data('label')) {
        parts.push('<text x="' + (s.x + t.x) / 2 + '" y="' + (s.y + t.y) / 2 + '" font-family="Arial, sans-serif" font-size="9" fill="#505a5f" text-anchor="middle">' + xml(edge.data('label')) + '</text>')
      }
    })
    shown.nodes().forEach(function (node) {
      var p = node.position()
      parts.push('<g class="node ' + xml(node.data('kind')) + '">' + shapeSvg(node) +
        '<text x="' + p.x + '" y="' + (p.y + node.height() / 2 + 14) + '" font-family="Arial, sans-serif" font-size="11" fill="#0b0c0c" text-anchor="middle">' +
        xml(node.data('label')) + '</text></g>')
    })
    parts.push('</svg>')
    return parts.join('\n')
  }

  // --- the network chart ------------------------------------------------------------------------

  function drawNetwork (container) {
    if (typeof window.cytoscape !== 'function') return
    var network = JSON.parse(container.getAttribute('data-network'))
    var lineId = container.getAttribute('data-line-id')
    var reference = container.getAttribute('data-reference')
    var status = document.getElementById('network-status')
    var say = function (text) { if (status) status.textContent = text }
    var cy = window.cytoscape({
      container: container,
      elements: elementsOf(network),
      style: style(),
      layout: { name: 'cose', animate: false, fit: true, padding: 30, randomize: false, nodeRepulsion: function () { return 80000 } },
      wheelSensitivity: 0.3
    })
    window.crosslineNetwork = cy

    var filter = document.getElementById('network-filter')
    if (filter) {
      applyWindow(cy, filter)
      filter.addEventListener('submit', function (event) {
        event.preventDefault()
        say(applyWindow(cy, filter))
        var query = new URLSearchParams()
        if (filter.elements.from.value) query.set('from', filter.elements.from.value)
        if (filter.elements.to.value) query.set('to', filter.elements.to.value)
        var search = query.toString()
        window.history.replaceState(null, '', window.location.pathname + (search ? '?' + search : '') + '#network')
      })
    }

    cy.on('tap', 'node', function (event) {
      var number = event.target.data('number')
      if (number) expand(cy, lineId, number, say)
    })
    keyboard(cy, container, lineId, say)
    var expandForm = document.getElementById('network-expand')
    if (expandForm) {
      expandForm.addEventListener('submit', function (event) {
        event.preventDefault()
        expand(cy, lineId, expandForm.elements.expand.value, say)
      })
    }

    var name = 'line-' + String(reference).replace(/[^A-Za-z0-9_-]+/g, '-') + '-network'
    var png = document.getElementById('network-png')
    if (png) {
      png.addEventListener('click', function () {
        download(cy.png({ output: 'blob', full: true, bg: '#ffffff', scale: 2 }), name + '.png')
        say('Exported the chart as ' + name + '.png.')
      })
    }
    var svg = document.getElementById('network-svg')
    if (svg) {
      svg.addEventListener('click', function () {
        download(new Blob([svgOf(cy, 'Network of line ' + reference)], { type: 'image/svg+xml' }), name + '.svg')
        say('Exported the chart as ' + name + '.svg.')
      })
    }
  }

  // --- moving around the chart from the keyboard (WCAG 2.1.1) ---------------------------------
  // Tab to the chart; the arrow keys go from node to node (in the order of their labels),
  // Home and End to the first and last; Enter or Space expands a number's contacts; Escape
  // lets go. The node reached is marked on the chart and read out in the status line, with
  // what it is connected to.

  var LINKS_READ = 6 // an announcement names at most this many connections

  function describe (node) {
    var kind = node.data('kind')
    // A line's and a person's labels say what they are ("Line …", "… (runner)").
    var text = (kind === 'line' || kind === 'person' ? '' : kind + ' ') + node.data('label')
    if (node.data('possible_child')) text += ', possible child'
    var links = node.connectedEdges().not('.filtered-out').map(function (edge) {
      var other = edge.source().id() === node.id() ? edge.target() : edge.source()
      return other.data('label') + ' (' + String(edge.data('kind') || 'link').replace(/_/g, ' ') + ')'
    })
    if (!links.length) text += '. No connection shown.'
    else if (links.length <= LINKS_READ) text += '. Connected to ' + links.join('; ') + '.'
    else text += '. Connected to ' + links.length + ' nodes, among them ' + links.slice(0, LINKS_READ).join('; ') + '.'
    if (node.data('number')) text += ' Press Enter to expand its contacts.'
    return text
  }

  function keyboard (cy, container, lineId, say) {
    var current = null // the id of the node reached: positions move as nodes come and go
    var visible = function () {
      return cy.nodes().not('.filtered-out').sort(function (a, b) {
        return String(a.data('label')).localeCompare(String(b.data('label')))
      })
    }
    var indexOf = function (nodes) {
      for (var i = 0; i < nodes.length; i++) if (nodes[i].id() === current) return i
      return -1
    }
    var go = function (nodes, index) {
      if (nodes.empty()) { say('The chart shows no node.'); return }
      var at = Math.max(0, Math.min(index, nodes.length - 1))
      var node = nodes[at]
      current = node.id()
      cy.nodes().removeClass('keyboard')
      cy.$(':selected').unselect()
      node.addClass('keyboard').select()
      var box = cy.extent()
      var p = node.position()
      if (p.x < box.x1 || p.x > box.x2 || p.y < box.y1 || p.y > box.y2) cy.center(node)
      say('Node ' + (at + 1) + ' of ' + nodes.length + ': ' + describe(node))
    }
    var leave = function () {
      current = null
      cy.nodes().removeClass('keyboard')
      cy.$(':selected').unselect()
      say('Left the chart\'s nodes.')
    }
    container.setAttribute('tabindex', '0')
    container.setAttribute('role', 'application')
    container.setAttribute('aria-roledescription', 'network chart')
    container.setAttribute('aria-describedby', 'network-keys')
    var keys = document.getElementById('network-keys')
    if (keys) keys.hidden = false // the keys work only once the chart is drawn
    container.addEventListener('keydown', function (event) {
      if (event.altKey || event.ctrlKey || event.metaKey) return // the browser's, not ours
      var nodes = visible()
      var at = indexOf(nodes)
      if (event.key === 'ArrowRight' || event.key === 'ArrowDown') go(nodes, at + 1)
      else if (event.key === 'ArrowLeft' || event.key === 'ArrowUp') go(nodes, at < 0 ? nodes.length - 1 : at - 1)
      else if (event.key === 'Home') go(nodes, 0)
      else if (event.key === 'End') go(nodes, nodes.length - 1)
      else if (event.key === 'Enter' || event.key === ' ') {
        var node = current === null ? null : cy.getElementById(current)
        if (node === null || node.empty()) say('Reach a node with the arrow keys first.')
        else if (node.hasClass('filtered-out')) say('That node is hidden by the date filter: reach another with the arrow keys.')
        else if (!node.data('number')) say('Only numbers and people expand.')
        else expand(cy, lineId, node.data('number'), say)
      } else if (event.key === 'Escape') {
        leave()
      } else return
      event.preventDefault()
    })
  }

  // --- the map: force area boundaries shipped with the app, no tiles ----------------------------

  function drawMap (container) {
    if (typeof window.L !== 'object') return
    var areas = JSON.parse(container.getAttribute('data-areas'))
    var role = {}
    if (areas.hub && areas.hub.area_code) role[areas.hub.area_code] = areas.local ? 'local' : 'hub'
    if (areas.county && areas.county.area_code && !areas.local) role[areas.county.area_code] = 'county'
    var map = window.L.map(container, { attributionControl: true, zoomSnap: 0.25, scrollWheelZoom: false })
    map.attributionControl.setPrefix(false)
    window.crosslineMap = map
    fetch('/api/areas/boundaries/force_areas', { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (response) {
        if (!response.ok) throw new Error('the server answered ' + response.status)
        return response.json()
      })
      .then(function (boundaries) {
        var highlighted = []
        var layer = window.L.geoJSON(boundaries, {
          style: function (feature) {
            var which = role[feature.properties.code]
            return { className: 'crossline-map__area' + (which ? ' crossline-map__area--' + which : '') }
          },
          onEachFeature: function (feature, shape) {
            var which = role[feature.properties.code]
            shape.bindTooltip(feature.properties.name + (which ? ' (' + (which === 'local' ? 'hub and county' : which) + ')' : ''))
            if (which) highlighted.push(shape)
          },
          attribution: 'Contains OS data © Crown copyright and database right'
        }).addTo(map)
        highlighted.forEach(function (shape) { shape.bringToFront() })
        var focus = highlighted.length ? window.L.featureGroup(highlighted) : layer
        map.fitBounds(focus.getBounds(), { padding: [20, 20] })
        container.setAttribute('data-drawn', String(layer.getLayers().length))
      })
      .catch(function () {
        container.textContent = 'The map could not be drawn. The areas are named above.'
      })
  }

  function start () {
    var network = document.getElementById('line-network')
    if (network) drawNetwork(network)
    var map = document.getElementById('line-map')
    if (map) drawMap(map)
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start)
  else start()
})()
